import { FactlineError } from './factline-error.js';

/** What a {@link CheckpointMismatchError} is about. */
export interface CheckpointMismatchFacts {
  readonly projector: string;
  /** The checkpoint's position. */
  readonly position: number;
  /** The id of the event the checkpoint saw last at that position. */
  readonly expectedEventId: string;
  /** The id found there now; `null` when the log has no event there. */
  readonly actualEventId: string | null;
}

/**
 * The log no longer holds, at a projector's checkpoint, the event the
 * projector saw there: the database was restored from an older backup, or a
 * crash lost commits a reader had already seen. Continuing would silently
 * skip whatever now sits at those positions, so the projector stops. Rebuild
 * its read model (`rebuild()`), or restore the read model from the same backup.
 */
export class CheckpointMismatchError extends FactlineError {
  readonly projector: string;
  readonly position: number;
  readonly expectedEventId: string;
  readonly actualEventId: string | null;

  /**
   * @param facts The projector, its checkpoint, and what the log holds there now.
   */
  constructor(facts: CheckpointMismatchFacts) {
    const found =
      facts.actualEventId === null
        ? 'the log has no event there (its head is below the checkpoint)'
        : `the log holds event ${facts.actualEventId} there`;
    super(
      'CHECKPOINT_MISMATCH',
      `Projector "${facts.projector}" is at position ${facts.position}, where it saw event ${facts.expectedEventId}, ` +
        `but ${found}. The log was restored or lost commits after the projector read them. ` +
        'Rebuild the read model (projector.rebuild()) or restore it from the same backup as the log.',
    );
    this.projector = facts.projector;
    this.position = facts.position;
    this.expectedEventId = facts.expectedEventId;
    this.actualEventId = facts.actualEventId;
  }
}
