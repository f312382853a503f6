import type { EntityVersion, PublishOutcome } from '@factline/core';
import type { StatementWrite } from './postgres-statement-writes.js';

/** An `Entities` row as a statement reads it; BIGINTs come as strings. */
export interface StoredEntity {
  readonly type: string;
  readonly version: string | number;
}

/** A command id as the statement found it recorded; BIGINTs come as strings. */
export interface RecordedCommand {
  readonly position: string | number;
  /** JSON text of the versions the original publication left. */
  readonly versions: string;
}

/**
 * Turns what a compare-and-set statement returned for one publication into
 * its outcome.
 *
 * A failed compare-and-set is explained by the entity's row, read after the
 * publication was sent — a true account of why it failed. A row read in the
 * statement's own snapshot cannot show a writer that committed after the
 * snapshot was taken (while the statement waited for its lock): then it shows
 * no reason — a `'new'` entity that does not seem to exist, or an entity at
 * exactly the expected version. Such a publication is left undecided (nothing
 * of it was written), for the `publish(json)` function to decide again.
 *
 * A publication with a command id that was not written is a repeat when the
 * statement found its id recorded; otherwise it is undecided too: the writer
 * that beat it may have been a repeat of the same command, which the
 * function, claiming the id first, reports as such.
 *
 * @param write The publication's entity write.
 * @param position The position it got; `null` when it was not written.
 * @param stored The entity's row, read after the publication was sent; `undefined` when there was none.
 * @param command Given when the publication has a command id: how the statement found it recorded, if it was.
 * @returns The outcome, or `undefined` when it is undecided.
 */
export function statementOutcome(
  write: StatementWrite,
  position: string | number | null,
  stored: StoredEntity | undefined,
  command?: { readonly recorded: RecordedCommand | undefined },
): PublishOutcome | undefined {
  const expected = write.expectedVersion === 'new' ? -1 : write.expectedVersion;
  if (position !== null) {
    return {
      kind: 'published',
      position: Number(position),
      versions: [{ id: write.id, version: expected + write.events.length }],
    };
  }
  if (command !== undefined) {
    if (command.recorded === undefined) return undefined;
    return {
      kind: 'duplicate',
      position: Number(command.recorded.position),
      versions: JSON.parse(command.recorded.versions) as EntityVersion[],
    };
  }
  if (stored === undefined) {
    if (write.expectedVersion === 'new') return undefined;
    return conflict(write, null);
  }
  if (stored.type !== write.type) {
    return {
      kind: 'type-mismatch',
      entityId: write.id,
      expectedType: write.type,
      actualType: stored.type,
    };
  }
  const storedVersion = Number(stored.version);
  if (storedVersion === expected) return undefined;
  return conflict(write, storedVersion);
}

function conflict(write: StatementWrite, actualVersion: number | null): PublishOutcome {
  return {
    kind: 'conflict',
    entityId: write.id,
    expectedVersion: write.expectedVersion,
    actualVersion,
  };
}
