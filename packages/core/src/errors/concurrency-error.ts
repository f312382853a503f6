import type { ExpectedVersion } from '../provider/provider.js';
import { FactlineError } from './factline-error.js';

/**
 * A publication expected a version of an entity that was not its version
 * when it was written: somebody else changed the entity first.
 *
 * Nothing of the publication was written. Load the entity again, decide
 * again, and publish with the new version.
 */
export class ConcurrencyError extends FactlineError {
  /** The entity whose version did not match. */
  readonly entityId: string;
  /** The version the publication expected. */
  readonly expectedVersion: ExpectedVersion;
  /** The entity's version in the store, or `null` when it does not exist. */
  readonly actualVersion: number | null;

  /**
   * @param entityId The entity whose version did not match.
   * @param expectedVersion The version the publication expected.
   * @param actualVersion The stored version, `null` when there is no such entity.
   */
  constructor(entityId: string, expectedVersion: ExpectedVersion, actualVersion: number | null) {
    const actual = actualVersion === null ? 'does not exist' : `is at version ${actualVersion}`;
    const expected =
      expectedVersion === 'new' ? 'to be new' : `at version ${String(expectedVersion)}`;
    super(
      'CONCURRENCY',
      `Entity "${entityId}" was expected ${expected} but ${actual}; nothing was written. ` +
        'Load it again and retry the command against the current version.',
    );
    this.entityId = entityId;
    this.expectedVersion = expectedVersion;
    this.actualVersion = actualVersion;
  }
}
