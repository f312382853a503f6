import type {
  CheckpointKey,
  CheckpointRow,
  CheckpointUpdate,
  LeaseRequest,
  ProjectionStorage,
  TransactionWork,
} from '@factline/core';
import { InvalidArgumentError, toProtocolTimestamp } from '@factline/core';
import type { SqliteDatabase, SqliteStatement } from './sqlite-database.js';
import {
  type SqliteProjectionStatements,
  sqliteProjectionStatements,
} from './sqlite-projection-statements.js';

/** Thrown inside a transaction to roll it back when the checkpoint moved. */
class CheckpointMoved {}

/**
 * Checkpoints and leases in a SQLite database. `SqliteProvider` delegates to
 * it; the transaction handle given to read-model work is the `Database`
 * itself, inside `BEGIN IMMEDIATE`.
 *
 * better-sqlite3 transactions are synchronous: work that returns a promise
 * would run outside the transaction, so it is refused.
 */
export class SqliteProjectionStorage
  implements Omit<ProjectionStorage<SqliteDatabase>, 'name' | 'migrate'>
{
  readonly #database: SqliteDatabase;
  readonly #sql: SqliteProjectionStatements;
  readonly #statements = new Map<string, SqliteStatement>();

  /**
   * @param database The database holding the read models (migrated).
   * @param prefix The provider's table prefix.
   */
  constructor(database: SqliteDatabase, prefix: string) {
    this.#database = database;
    this.#sql = sqliteProjectionStatements(prefix);
  }

  async readCheckpoint(key: CheckpointKey): Promise<CheckpointRow | undefined> {
    return this.#read(key);
  }

  async commitCheckpoint(
    update: CheckpointUpdate,
    work?: TransactionWork<SqliteDatabase>,
  ): Promise<boolean> {
    const transaction = this.#database.transaction(() => {
      if (!sameCheckpoint(this.#read(update), update.expected)) throw new CheckpointMoved();
      if (work !== undefined) runSynchronously(work, this.#database);
      this.#statement(this.#sql.writeCheckpoint).run(
        update.source,
        update.next.position,
        update.projector,
        update.next.eventId,
        toProtocolTimestamp(new Date()),
      );
    });
    try {
      transaction.immediate();
      return true;
    } catch (error) {
      if (error instanceof CheckpointMoved) return false;
      throw error;
    }
  }

  async resetCheckpoint(key: CheckpointKey, work?: TransactionWork<SqliteDatabase>): Promise<void> {
    this.#database
      .transaction(() => {
        if (work !== undefined) runSynchronously(work, this.#database);
        this.#statement(this.#sql.deleteCheckpoint).run(key.projector, key.source);
      })
      .immediate();
  }

  async acquireLease(request: LeaseRequest): Promise<boolean> {
    // One file on one machine: the local clock is the database's clock.
    const now = Date.now();
    const { changes } = this.#statement(this.#sql.acquireLease).run(
      request.projector,
      request.owner,
      now + request.ttl,
      now,
    );
    return changes === 1;
  }

  async releaseLease(projector: string, owner: string): Promise<void> {
    this.#statement(this.#sql.releaseLease).run(projector, owner);
  }

  #read(key: CheckpointKey): CheckpointRow | undefined {
    const row = this.#statement(this.#sql.readCheckpoint).get(key.projector, key.source) as
      | { position: number | null; event_id: string | null }
      | undefined;
    if (row === undefined) return undefined;
    return { position: Number(row.position ?? 0), eventId: row.event_id };
  }

  #statement(sql: string): SqliteStatement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#database.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }
}

function sameCheckpoint(stored: CheckpointRow | undefined, expected: CheckpointRow | undefined) {
  if (stored === undefined || expected === undefined) return stored === expected;
  return stored.position === expected.position && stored.eventId === expected.eventId;
}

function runSynchronously(work: TransactionWork<SqliteDatabase>, database: SqliteDatabase): void {
  const result = work(database);
  if (result !== undefined && typeof (result as { then?: unknown }).then === 'function') {
    // Whatever it does after its first await runs outside the transaction;
    // its own failure is reported by the error below, not as an unhandled rejection.
    (result as Promise<void>).catch(() => undefined);
    throw new InvalidArgumentError(
      'A read-model handler returned a promise, but SQLite transactions are synchronous: ' +
        'its writes after the first await would escape the transaction. Make the handler synchronous ' +
        '(better-sqlite3 is synchronous already).',
    );
  }
}
