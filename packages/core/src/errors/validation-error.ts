import type { BaseIssue } from 'valibot';
import { FactlineError } from './factline-error.js';

/**
 * An event's details did not match its schema. Nothing was written.
 */
export class ValidationError extends FactlineError {
  /** The event whose details failed. */
  readonly eventName: string;
  /** The entity the event was for. */
  readonly entityId: string;
  /** The issues valibot reported, with their paths. */
  readonly issues: readonly BaseIssue<unknown>[];

  /**
   * @param eventName The event whose details failed.
   * @param entityId The entity the event was for.
   * @param issues The issues valibot reported.
   */
  constructor(eventName: string, entityId: string, issues: readonly BaseIssue<unknown>[]) {
    const summary = issues
      .slice(0, 3)
      .map((issue) => {
        const path = issue.path?.map((item) => String(item.key)).join('.');
        return path ? `${path}: ${issue.message}` : issue.message;
      })
      .join('; ');
    super(
      'VALIDATION',
      `Details of "${eventName}" for entity "${entityId}" do not match its schema (${summary}); ` +
        'nothing was written. Fix the details or the event schema.',
    );
    this.eventName = eventName;
    this.entityId = entityId;
    this.issues = issues;
  }
}
