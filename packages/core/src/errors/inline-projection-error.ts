import { FactlineError } from './factline-error.js';

/** What an {@link InlineProjectionError} is about. */
export interface InlineProjectionFacts {
  /** The inline projection whose handler threw. */
  readonly projection: string;
  readonly eventName: string;
  readonly entityId: string;
  /** What the handler threw: often the application's own error (an invariant). */
  readonly cause: unknown;
}

/**
 * An inline projection's handler threw while a publication was being
 * written — typically an invariant of the read model ("stock may not go below
 * zero"). The whole publication was rolled back: nothing was written. The
 * handler's error is the `cause`.
 */
export class InlineProjectionError extends FactlineError {
  readonly projection: string;
  readonly eventName: string;
  readonly entityId: string;

  /**
   * @param facts The projection, the event, and what its handler threw.
   */
  constructor(facts: InlineProjectionFacts) {
    const reason = facts.cause instanceof Error ? facts.cause.message : String(facts.cause);
    super(
      'INLINE_PROJECTION',
      `Inline projection "${facts.projection}" refused "${facts.eventName}" of entity "${facts.entityId}": ${reason}. ` +
        'The publication was rolled back; nothing was written.',
      { cause: facts.cause },
    );
    this.projection = facts.projection;
    this.eventName = facts.eventName;
    this.entityId = facts.entityId;
  }
}
