import type {
  EntityRow,
  EventRow,
  Provider,
  PublicationRecord,
  PublishOutcome,
  SnapshotRow,
} from '@factline/core';
import {
  distinctCommandIds,
  GroupCommitter,
  InvalidArgumentError,
  ProviderError,
  toProtocolTimestamp,
} from '@factline/core';
import pg from 'pg';
import type { PostgresConfig } from './postgres-config.js';
import { isRetryablePostgresError } from './postgres-errors.js';
import type { PostgresPool } from './postgres-pool.js';
import { type PostgresStatements, postgresStatements } from './postgres-statements.js';

const identifierPattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Events in PostgreSQL, through pg. Many processes may write to one database.
 *
 * Concurrent publications from this process are group-committed: they go to
 * the server as one batch, one statement and one commit, each with its own
 * compare-and-set, so a conflict rejects only its own publication.
 *
 * @example
 * ```ts
 * const provider = new PostgresProvider({ connectionString: process.env.DATABASE_URL });
 * ```
 */
export class PostgresProvider implements Provider {
  readonly name = 'postgres';
  /** The pool, for read models that share the database. */
  readonly pool: PostgresPool;
  readonly #ownsPool: boolean;
  readonly #sql: PostgresStatements;
  readonly #schema: string;
  readonly #statementPrefix: string;
  readonly #maxRetries: number;
  readonly #committer: GroupCommitter<PublicationRecord, PublishOutcome>;

  /**
   * @param config A pool, a connection string or pool options; schema and prefix.
   */
  constructor(config: PostgresConfig) {
    this.#schema = config.schema ?? 'public';
    const prefix = config.tablePrefix ?? '';
    if (!identifierPattern.test(this.#schema)) {
      throw new InvalidArgumentError(
        `schema may hold only letters, digits and underscores; got ${JSON.stringify(this.#schema)}.`,
      );
    }
    if (prefix !== '' && !identifierPattern.test(prefix)) {
      throw new InvalidArgumentError(
        `tablePrefix may hold only letters, digits and underscores; got ${JSON.stringify(prefix)}.`,
      );
    }
    this.#sql = postgresStatements(this.#schema, prefix);
    // pg prepares a named statement once per connection; names must differ per schema and prefix.
    this.#statementPrefix = `factline:${this.#schema}:${prefix}:`;
    if (config.pool !== undefined) {
      this.pool = config.pool;
      this.#ownsPool = false;
    } else if (config.connectionString !== undefined || config.poolConfig !== undefined) {
      this.pool = new pg.Pool({
        ...config.poolConfig,
        ...(config.connectionString === undefined
          ? {}
          : { connectionString: config.connectionString }),
      }) as unknown as PostgresPool;
      this.#ownsPool = true;
    } else {
      throw new InvalidArgumentError(
        'PostgresProvider needs a pool, a connectionString or poolConfig.',
      );
    }
    this.#maxRetries = config.maxRetries ?? 5;
    this.#committer = new GroupCommitter({
      commit: (batch) => this.#commitBatch(batch),
      maxBatchSize: config.maxBatchSize ?? 100,
      canJoin: distinctCommandIds,
    });
  }

  async migrate(): Promise<void> {
    const sql = this.#sql;
    const client = await this.pool.connect();
    try {
      await client.query({ text: 'BEGIN' });
      await client.query({ text: sql.lockMigrations, values: [`factline:${this.#schema}`] });
      await client.query({ text: sql.createSchema });
      await client.query({ text: sql.migrationsTable });
      const current = await client.query<{ version: number }>({ text: sql.currentMigration });
      const version = Number(current.rows[0]?.version ?? 0);
      for (const migration of sql.migrations) {
        if (migration.version <= version) continue;
        await client.query({ text: migration.sql });
        await client.query({
          text: sql.recordMigration,
          values: [migration.version, migration.description, toProtocolTimestamp(new Date())],
        });
      }
      await client.query({ text: 'COMMIT' });
      client.release();
    } catch (error) {
      await client.query({ text: 'ROLLBACK' }).catch(() => undefined);
      client.release(true);
      throw new ProviderError(this.name, 'migrate', error);
    }
  }

  publish(publication: PublicationRecord): Promise<PublishOutcome> {
    return this.#committer.submit(publication);
  }

  async readEntity(entityId: string, after: number, upTo: number): Promise<EventRow[]> {
    const result = await this.#query<EventRow>('readEntity', this.#sql.readEntity, [
      entityId,
      after,
      upTo,
    ]);
    return result.rows;
  }

  async readPositions(after: number, count: number): Promise<EventRow[]> {
    const result = await this.#query<EventRow>('readAll', this.#sql.readPositions, [
      after,
      after + count,
    ]);
    return result.rows;
  }

  async headPosition(): Promise<number> {
    const result = await this.#query<{ position: string }>('head', this.#sql.headPosition, []);
    return Number(result.rows[0]?.position ?? 0);
  }

  async getEntity(entityId: string): Promise<EntityRow | undefined> {
    const result = await this.#query<EntityRow>('getEntity', this.#sql.getEntity, [entityId]);
    const row = result.rows[0];
    return row === undefined ? undefined : { ...row, version: Number(row.version) };
  }

  async readSnapshot(entityId: string): Promise<SnapshotRow | undefined> {
    const result = await this.#query<SnapshotRow>('readSnapshot', this.#sql.readSnapshot, [
      entityId,
    ]);
    const row = result.rows[0];
    return row === undefined
      ? undefined
      : { ...row, version: Number(row.version), takenAt: Number(row.takenAt) };
  }

  async writeSnapshot(row: SnapshotRow): Promise<void> {
    await this.#query('writeSnapshot', this.#sql.writeSnapshot, [
      row.entityId,
      row.type,
      row.version,
      row.schemaVersion,
      row.state,
      row.takenAt,
    ]);
  }

  async close(): Promise<void> {
    if (this.#ownsPool) await this.pool.end();
  }

  async #query<TRow>(operation: string, text: string, values: unknown[]) {
    try {
      return await this.pool.query<TRow>({ name: this.#statementPrefix + operation, text, values });
    } catch (error) {
      throw new ProviderError(this.name, operation, error);
    }
  }

  /** One round trip: the whole batch in one statement, retried on deadlocks. */
  async #commitBatch(batch: PublicationRecord[]): Promise<PublishOutcome[]> {
    const text = batchJson(batch);
    for (let attempt = 0; ; attempt++) {
      try {
        const result = await this.pool.query<{ outcomes: PublishOutcome[] }>({
          name: `${this.#statementPrefix}publish`,
          text: this.#sql.publish,
          values: [text],
        });
        return (result.rows[0] as { outcomes: PublishOutcome[] }).outcomes;
      } catch (error) {
        if (attempt < this.#maxRetries && isRetryablePostgresError(error)) {
          await delay(2 ** attempt * 5 * (0.5 + Math.random()));
          continue;
        }
        throw new ProviderError(this.name, 'publish', error);
      }
    }
  }
}

/**
 * Builds the batch as JSON text, with each event's details spliced in as
 * they are, so the server stores exactly the text core serialised.
 */
function batchJson(batch: readonly PublicationRecord[]): string {
  const publications = batch.map((publication) => {
    const entities = publication.entities.map((entity) => {
      const events = entity.events.map(
        (event) =>
          `{"id":${JSON.stringify(event.id)},"name":${JSON.stringify(event.name)},` +
          `"schemaVersion":${event.schemaVersion},"actor":${JSON.stringify(event.actor)},` +
          `"timestamp":${JSON.stringify(event.timestamp)},"metadata":${JSON.stringify(event.metadata)},` +
          `"details":${event.details}}`,
      );
      return (
        `{"id":${JSON.stringify(entity.id)},"type":${JSON.stringify(entity.type)},` +
        `"expectedVersion":${JSON.stringify(entity.expectedVersion)},"events":[${events.join(',')}]}`
      );
    });
    return `{"commandId":${JSON.stringify(publication.commandId)},"entities":[${entities.join(',')}]}`;
  });
  return `[${publications.join(',')}]`;
}

function delay(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
