import type {
  CheckpointKey,
  CheckpointRow,
  CheckpointUpdate,
  LeaseRequest,
  ProjectionStorage,
  TransactionWork,
} from '@factline/core';
import { ProviderError, toProtocolTimestamp, WorkFailure } from '@factline/core';
import { isDuplicateKeyError, isRetryableMysqlError } from './mysql-errors.js';
import { inMysqlTransaction, type MysqlTransactionConfig } from './mysql-in-transaction.js';
import { toInteger } from './mysql-integer.js';
import type { MysqlPool, MysqlTransaction } from './mysql-pool.js';
import { run, select } from './mysql-prepared-statements.js';
import {
  type MysqlProjectionStatements,
  mysqlProjectionStatements,
} from './mysql-projection-statements.js';

/**
 * Checkpoints and leases in a MySQL or MariaDB database. `MysqlProvider`
 * delegates to it; the transaction handle given to read-model work is a
 * connection of the provider's pool, inside `START TRANSACTION`.
 *
 * A checkpoint is moved by compare-and-set before the work runs: the
 * statement locks the row until commit, so of concurrent writers from the
 * same checkpoint exactly one goes on and the others roll back.
 */
export class MysqlProjectionStorage
  implements Omit<ProjectionStorage<MysqlTransaction>, 'name' | 'migrate'>
{
  readonly #name: string;
  readonly #pool: MysqlPool;
  readonly #sql: MysqlProjectionStatements;
  readonly #maxRetries: number;

  /**
   * @param name The provider's name, for errors.
   * @param pool The pool of the database holding the read models (migrated).
   * @param database The provider's database, or `undefined` for the connection's.
   * @param prefix The provider's table prefix.
   * @param maxRetries How often a transaction is retried after a deadlock or lock wait timeout.
   */
  constructor(
    name: string,
    pool: MysqlPool,
    database: string | undefined,
    prefix: string,
    maxRetries: number,
  ) {
    this.#name = name;
    this.#pool = pool;
    this.#sql = mysqlProjectionStatements(database, prefix);
    this.#maxRetries = maxRetries;
  }

  async readCheckpoint(key: CheckpointKey): Promise<CheckpointRow | undefined> {
    let rows: unknown[][];
    try {
      rows = await select(this.#pool, this.#sql.readCheckpoint, [key.projector, key.source]);
    } catch (error) {
      throw new ProviderError(this.#name, 'readCheckpoint', error);
    }
    const row = rows[0];
    return row === undefined
      ? undefined
      : { position: toInteger(row[0]), eventId: row[1] as string | null };
  }

  async commitCheckpoint(
    update: CheckpointUpdate,
    work?: TransactionWork<MysqlTransaction>,
  ): Promise<boolean> {
    const { projector, source, expected, next } = update;
    const updatedAt = toProtocolTimestamp(new Date());
    return inMysqlTransaction<boolean>(
      this.#transaction('commitCheckpoint'),
      async (connection) => {
        await connection.query(this.#sql.begin);
        if (expected === undefined) {
          try {
            await run(connection, this.#sql.insertCheckpoint, [
              projector,
              source,
              next.position,
              next.eventId,
              updatedAt,
            ]);
          } catch (error) {
            if (isDuplicateKeyError(error)) return { commit: false, result: false };
            throw error;
          }
        } else {
          const moved = await run(connection, this.#sql.moveCheckpoint, [
            next.position,
            next.eventId,
            updatedAt,
            projector,
            source,
            expected.position,
            expected.eventId,
          ]);
          if (moved.affectedRows !== 1) return { commit: false, result: false };
        }
        if (work !== undefined) await WorkFailure.run(() => work(connection));
        return { commit: true, result: true };
      },
    );
  }

  async resetCheckpoint(
    key: CheckpointKey,
    work?: TransactionWork<MysqlTransaction>,
  ): Promise<void> {
    await inMysqlTransaction(this.#transaction('resetCheckpoint'), async (connection) => {
      await connection.query(this.#sql.begin);
      // Deleted first: the row stays locked while the read model is emptied.
      await run(connection, this.#sql.deleteCheckpoint, [key.projector, key.source]);
      if (work !== undefined) await WorkFailure.run(() => work(connection));
      return { commit: true, result: undefined };
    });
  }

  async acquireLease(request: LeaseRequest): Promise<boolean> {
    const { projector, owner } = request;
    const ttl = Math.ceil(request.ttl);
    try {
      const renewed = await run(this.#pool, this.#sql.renewLease, [owner, ttl, projector, owner]);
      if (renewed.affectedRows === 1) return true;
      // No row matched: the lease is free, or held by someone else.
      await run(this.#pool, this.#sql.insertLease, [projector, owner, ttl]);
      return true;
    } catch (error) {
      if (isDuplicateKeyError(error)) return false;
      throw new ProviderError(this.#name, 'acquireLease', error);
    }
  }

  async releaseLease(projector: string, owner: string): Promise<void> {
    try {
      await run(this.#pool, this.#sql.releaseLease, [projector, owner]);
    } catch (error) {
      throw new ProviderError(this.#name, 'releaseLease', error);
    }
  }

  /** A checkpoint's transaction, retried whole after a deadlock or lock wait timeout. */
  #transaction(operation: string): MysqlTransactionConfig {
    return {
      pool: this.#pool,
      provider: this.#name,
      operation,
      maxRetries: this.#maxRetries,
      retryable: isRetryableMysqlError,
    };
  }
}
