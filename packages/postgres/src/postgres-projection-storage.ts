import type {
  CheckpointKey,
  CheckpointRow,
  CheckpointUpdate,
  LeaseRequest,
  ProjectionStorage,
  TransactionWork,
} from '@factline/core';
import { ProviderError, toProtocolTimestamp, WorkFailure } from '@factline/core';
import {
  inPostgresTransaction,
  type PostgresTransactionConfig,
} from './postgres-in-transaction.js';
import type {
  PostgresClient,
  PostgresPool,
  PostgresQueryResult,
  PostgresTransaction,
} from './postgres-pool.js';
import {
  type PostgresProjectionStatements,
  postgresProjectionStatements,
} from './postgres-projection-statements.js';

/**
 * Checkpoints and leases in a PostgreSQL schema. `PostgresProvider`
 * delegates to it; the transaction handle given to read-model work is a
 * client of the provider's pool, inside `BEGIN`.
 *
 * A checkpoint is moved by compare-and-set before the work runs: the
 * statement locks the row until commit, so of concurrent writers from the
 * same checkpoint exactly one goes on and the others roll back.
 */
export class PostgresProjectionStorage
  implements Omit<ProjectionStorage<PostgresTransaction>, 'name' | 'migrate'>
{
  readonly #name: string;
  readonly #pool: PostgresPool;
  readonly #sql: PostgresProjectionStatements;
  readonly #statementPrefix: string;

  /**
   * @param name The provider's name, for errors.
   * @param pool The pool of the database holding the read models (migrated).
   * @param schema The provider's schema, checked.
   * @param prefix The provider's table prefix, checked.
   * @param statementPrefix What names this schema's prepared statements apart.
   */
  constructor(
    name: string,
    pool: PostgresPool,
    schema: string,
    prefix: string,
    statementPrefix: string,
  ) {
    this.#name = name;
    this.#pool = pool;
    this.#sql = postgresProjectionStatements(schema, prefix);
    this.#statementPrefix = statementPrefix;
  }

  async readCheckpoint(key: CheckpointKey): Promise<CheckpointRow | undefined> {
    const result = await this.#query<{ position: string; eventId: string | null }>(
      this.#pool,
      'readCheckpoint',
      [key.projector, key.source],
    );
    const row = result.rows[0];
    return row === undefined ? undefined : { position: Number(row.position), eventId: row.eventId };
  }

  async commitCheckpoint(
    update: CheckpointUpdate,
    work?: TransactionWork<PostgresTransaction>,
  ): Promise<boolean> {
    const { projector, source, expected, next } = update;
    const updatedAt = toProtocolTimestamp(new Date());
    return inPostgresTransaction<boolean>(this.#transaction('commitCheckpoint'), async (client) => {
      const compared =
        expected === undefined
          ? await this.#query(client, 'insertCheckpoint', [
              projector,
              source,
              next.position,
              next.eventId,
              updatedAt,
            ])
          : await this.#query(client, 'moveCheckpoint', [
              projector,
              source,
              expected.position,
              expected.eventId,
              next.position,
              next.eventId,
              updatedAt,
            ]);
      if (compared.rowCount !== 1) return { commit: false, result: false };
      if (work !== undefined) await WorkFailure.run(() => work(client));
      return { commit: true, result: true };
    });
  }

  async resetCheckpoint(
    key: CheckpointKey,
    work?: TransactionWork<PostgresTransaction>,
  ): Promise<void> {
    await inPostgresTransaction(this.#transaction('resetCheckpoint'), async (client) => {
      // Deleted first: the row stays locked while the read model is emptied.
      await this.#query(client, 'deleteCheckpoint', [key.projector, key.source]);
      if (work !== undefined) await WorkFailure.run(() => work(client));
      return { commit: true, result: undefined };
    });
  }

  async acquireLease(request: LeaseRequest): Promise<boolean> {
    const result = await this.#query(this.#pool, 'acquireLease', [
      request.projector,
      request.owner,
      Math.ceil(request.ttl),
    ]);
    return result.rowCount === 1;
  }

  async releaseLease(projector: string, owner: string): Promise<void> {
    await this.#query(this.#pool, 'releaseLease', [projector, owner]);
  }

  /** A checkpoint's transaction; not retried here: the projector retries a failed commit with its backoff. */
  #transaction(operation: string): PostgresTransactionConfig {
    return { pool: this.#pool, provider: this.#name, operation };
  }

  async #query<TRow = Record<string, unknown>>(
    on: PostgresPool | PostgresClient,
    statement: keyof PostgresProjectionStatements,
    values: unknown[],
  ): Promise<PostgresQueryResult<TRow>> {
    try {
      return await on.query<TRow>({
        name: this.#statementPrefix + statement,
        text: this.#sql[statement],
        values,
      });
    } catch (error) {
      throw new ProviderError(this.#name, statement, error);
    }
  }
}
