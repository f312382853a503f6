/**
 * Where a projector stands: the last position it finished, and the id of the
 * last event at that position, so that it can tell when the log under it has
 * changed (a restored backup, commits lost in a crash after it saw them).
 */
export interface CheckpointRow {
  /** The last position fully handled; 0 before the first event. */
  readonly position: number;
  /** The id of the last event at `position`; `null` at position 0. */
  readonly eventId: string | null;
}

/** Which checkpoint: one per projector name and source. */
export interface CheckpointKey {
  /** The projector's name, unique in the read-model database. */
  readonly projector: string;
  /** The event source it follows (the protocol's `Projections.source`). */
  readonly source: string;
}

/** A compare-and-set of a checkpoint. */
export interface CheckpointUpdate extends CheckpointKey {
  /** The checkpoint the projector last read or wrote; `undefined` when none was stored. */
  readonly expected: CheckpointRow | undefined;
  /** The checkpoint to store. */
  readonly next: CheckpointRow;
}

/**
 * Work done in the checkpoint's transaction: the read model's writes. It may
 * return a promise only where the storage says so (SQLite's transactions are
 * synchronous: work there must be too).
 */
export type TransactionWork<TTransaction> = (transaction: TTransaction) => void | Promise<void>;

/** A request for the lease of one projector name. */
export interface LeaseRequest {
  readonly projector: string;
  /** Who asks: unique per running instance. */
  readonly owner: string;
  /** How long the lease lasts unless renewed, in milliseconds. */
  readonly ttl: number;
}

/**
 * The read side's storage: checkpoints in the `Projections` table and
 * projector leases, in the database that holds the read models, so that a
 * read model's writes and its checkpoint commit in one transaction.
 *
 * Every factline provider implements it for its own database (with its
 * driver's transaction handle as `TTransaction`: a better-sqlite3 `Database`,
 * a pg `PoolClient`, a mysql2 `PoolConnection`). The conformance suite in
 * `@factline/testing` checks the promises below.
 */
export interface ProjectionStorage<TTransaction> {
  /** A short name for messages, e.g. `sqlite`. */
  readonly name: string;

  /** Creates or upgrades the tables; safe to call any number of times, concurrently. */
  migrate(): Promise<void>;

  /** The stored checkpoint, or `undefined` when there is none. */
  readCheckpoint(key: CheckpointKey): Promise<CheckpointRow | undefined>;

  /**
   * In one transaction: runs `work`, then moves the checkpoint from
   * `expected` to `next` by compare-and-set. When the stored checkpoint is
   * not `expected` — another instance moved it — rolls `work` back and
   * returns `false`. When `work` throws, rolls back and rethrows it.
   */
  commitCheckpoint(
    update: CheckpointUpdate,
    work?: TransactionWork<TTransaction>,
  ): Promise<boolean>;

  /**
   * In one transaction: runs `work` (emptying the read model) and deletes
   * the checkpoint, so the projector starts again from position 0.
   */
  resetCheckpoint(key: CheckpointKey, work?: TransactionWork<TTransaction>): Promise<void>;

  /**
   * Takes or renews the lease of a projector name: succeeds when no one
   * holds it, its holder's lease expired, or `owner` holds it already.
   * Expiry is judged by the database's clock, so instances on different
   * machines agree.
   *
   * @returns Whether `owner` holds the lease now, for `ttl` milliseconds.
   */
  acquireLease(request: LeaseRequest): Promise<boolean>;

  /** Gives the lease up, if `owner` holds it, so another instance can take over at once. */
  releaseLease(projector: string, owner: string): Promise<void>;
}
