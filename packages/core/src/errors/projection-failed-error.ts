import { FactlineError } from './factline-error.js';

/** What a {@link ProjectionFailedError} is about. */
export interface ProjectionFailedFacts {
  /** The projector (or reactor) whose handler failed. */
  readonly projector: string;
  /** The position of the publication it could not get past. */
  readonly position: number;
  /** The event the handler failed on. */
  readonly eventId: string;
  readonly eventName: string;
  readonly entityId: string;
  /** How many times the handler was tried. */
  readonly attempts: number;
  /** What the handler threw the last time. */
  readonly cause: unknown;
}

/**
 * A projector's handler kept failing on one event: the projector stopped
 * there, with its checkpoint just before that publication, so nothing was
 * skipped. Fix the handler (or the data it needs) and start it again: it
 * resumes at this event.
 */
export class ProjectionFailedError extends FactlineError {
  readonly projector: string;
  readonly position: number;
  readonly eventId: string;
  readonly eventName: string;
  readonly entityId: string;
  readonly attempts: number;

  /**
   * @param facts The projector, the event, and what its handler threw.
   */
  constructor(facts: ProjectionFailedFacts) {
    const reason = facts.cause instanceof Error ? facts.cause.message : String(facts.cause);
    super(
      'PROJECTION_FAILED',
      `Projector "${facts.projector}" stopped at position ${facts.position}: its handler for ` +
        `"${facts.eventName}" (event ${facts.eventId} of entity "${facts.entityId}") failed ` +
        `${facts.attempts} time${facts.attempts === 1 ? '' : 's'}: ${reason}. ` +
        'Nothing after it was handled; fix the handler and start the projector again to resume from this event.',
      { cause: facts.cause },
    );
    this.projector = facts.projector;
    this.position = facts.position;
    this.eventId = facts.eventId;
    this.eventName = facts.eventName;
    this.entityId = facts.entityId;
    this.attempts = facts.attempts;
  }
}
