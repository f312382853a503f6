import type { BaseIssue } from 'valibot';
import { FactlineError } from './factline-error.js';

/**
 * Why a stored event could not be brought to its latest version:
 * - `unknown-version`: it is stored at a version the registry does not know,
 *   usually one written by a newer deployment;
 * - `missing-upcaster`: no upcaster turns its stored version into the next;
 * - `upcaster-threw`: an upcaster threw (the error is the `cause`);
 * - `invalid-result`: an upcaster returned details that fail the next version's schema.
 */
export type UpcastFailure =
  | 'unknown-version'
  | 'missing-upcaster'
  | 'upcaster-threw'
  | 'invalid-result';

/** What an {@link UpcastError} is about. */
export interface UpcastErrorFacts {
  readonly eventName: string;
  readonly storedVersion: number;
  readonly latestVersion: number;
  readonly failure: UpcastFailure;
  /** The version whose upcaster is missing, threw, or returned invalid details. */
  readonly fromVersion?: number;
  /** The stored event's id, when the details came from a row. */
  readonly eventId?: string;
  /** The stored event's entity, when the details came from a row. */
  readonly entityId?: string;
  /** valibot's issues, for an `invalid-result`. */
  readonly issues?: readonly BaseIssue<unknown>[];
  /** What an upcaster threw. */
  readonly cause?: unknown;
}

/**
 * A stored event could not be upcast to the latest version of its schema.
 * Nothing was changed: events are never rewritten.
 */
export class UpcastError extends FactlineError {
  /** The event's name. */
  readonly eventName: string;
  /** The schema version the event is stored at. */
  readonly storedVersion: number;
  /** The latest version the registry declares for the event. */
  readonly latestVersion: number;
  /** What went wrong. */
  readonly failure: UpcastFailure;
  /** The version whose upcaster is missing, threw or returned invalid details; `undefined` for `unknown-version`. */
  readonly fromVersion: number | undefined;
  /** The stored event's id, when known. */
  readonly eventId: string | undefined;
  /** The stored event's entity, when known. */
  readonly entityId: string | undefined;
  /** valibot's issues for an `invalid-result`; empty otherwise. */
  readonly issues: readonly BaseIssue<unknown>[];

  /**
   * @param facts The event, its versions, and what failed.
   */
  constructor(facts: UpcastErrorFacts) {
    super('UPCAST', upcastMessage(facts), { cause: facts.cause });
    this.eventName = facts.eventName;
    this.storedVersion = facts.storedVersion;
    this.latestVersion = facts.latestVersion;
    this.failure = facts.failure;
    this.fromVersion = facts.fromVersion;
    this.eventId = facts.eventId;
    this.entityId = facts.entityId;
    this.issues = facts.issues ?? [];
  }
}

function upcastMessage(facts: UpcastErrorFacts): string {
  const { eventName, storedVersion, latestVersion, fromVersion = storedVersion } = facts;
  const where =
    facts.eventId === undefined
      ? ''
      : ` (event ${facts.eventId} of entity "${facts.entityId ?? '?'}")`;
  const event = `Event "${eventName}"${where}`;
  const next = fromVersion + 1;
  switch (facts.failure) {
    case 'unknown-version':
      return Number.isSafeInteger(storedVersion) && storedVersion > latestVersion
        ? `${event} is stored at schema version ${storedVersion}, but the event registry knows versions up to ${latestVersion}. ` +
            'A newer deployment probably wrote it: read it with code that declares that version.'
        : `${event} is stored at schema version ${String(storedVersion)}, which is not a version (versions are integers from 1).`;
    case 'missing-upcaster':
      return (
        `${event} is stored at schema version ${storedVersion}, and no upcaster turns version ${fromVersion} into ${next} ` +
        `(latest: ${latestVersion}). Add upcasters[${fromVersion}] to its defineEvent().`
      );
    case 'upcaster-threw':
      return `${event}, stored at schema version ${storedVersion}: the upcaster from version ${fromVersion} to ${next} threw: ${String(facts.cause)}`;
    case 'invalid-result':
      return (
        `${event}, stored at schema version ${storedVersion}: the upcaster from version ${fromVersion} returned details ` +
        `that do not match the schema of version ${next} (${summary(facts.issues ?? [])}). Fix upcasters[${fromVersion}].`
      );
  }
}

function summary(issues: readonly BaseIssue<unknown>[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => {
      const path = issue.path?.map((item) => String(item.key)).join('.');
      return path ? `${path}: ${issue.message}` : issue.message;
    })
    .join('; ');
}
