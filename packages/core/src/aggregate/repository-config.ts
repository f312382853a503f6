import type { RetryPolicy } from './retry-policy.js';
import type { SnapshotFailure } from './snapshot-policy.js';

/** How a {@link Repository} behaves. */
export interface RepositoryConfig {
  /** How `update` retries on conflicts, unless a call says otherwise. */
  readonly retry?: RetryPolicy;
  /**
   * Called when a snapshot cannot be read, restored or written. Snapshots
   * only save time: the load then folds from the first event, and the save
   * it follows has committed, so neither fails. By default the error is
   * reported as a process warning (code `FACTLINE_SNAPSHOT_ERROR`).
   */
  readonly onSnapshotError?: (error: unknown, failure: SnapshotFailure) => void;
}
