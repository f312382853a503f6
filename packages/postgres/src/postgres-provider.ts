import type {
  EntityRow,
  EventRow,
  FoldRow,
  Provider,
  PublicationRecord,
  PublishOutcome,
  SnapshotAndTailRows,
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
import { type BatchStatementRow, batchParameters } from './postgres-batch-statement.js';
import type { PostgresConfig } from './postgres-config.js';
import { isRetryablePostgresError } from './postgres-errors.js';
import { postgresFoldStatement } from './postgres-fold-statement.js';
import type { PostgresPool, PostgresQueryResult } from './postgres-pool.js';
import { publicationParameters } from './postgres-publication-statement.js';
import {
  postgresSnapshotTailStatement,
  snapshotAndTailFromRows,
} from './postgres-snapshot-tail-statement.js';
import { type StoredEntity, statementOutcome } from './postgres-statement-outcome.js';
import { type StatementWrite, statementWrites } from './postgres-statement-writes.js';
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
  readonly #foldStatement: string;
  readonly #snapshotTailStatement: string;
  readonly #schema: string;
  readonly #statementPrefix: string;
  readonly #maxRetries: number;
  readonly #committer: GroupCommitter<PublicationRecord, BatchOutcome>;

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
    this.#foldStatement = postgresFoldStatement(this.#schema, prefix);
    this.#snapshotTailStatement = postgresSnapshotTailStatement(this.#schema, prefix);
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

  async publish(publication: PublicationRecord, work?: unknown): Promise<PublishOutcome> {
    if (work !== undefined) {
      throw new InvalidArgumentError('Inline projections are not supported by this provider yet.');
    }
    const outcome = await this.#committer.submit(publication);
    if (outcome.kind === 'failed') throw outcome.error;
    return outcome;
  }

  async readEntity(entityId: string, after: number, upTo: number): Promise<EventRow[]> {
    const result = await this.#query<EventRow>('readEntity', this.#sql.readEntity, [
      entityId,
      after,
      upTo,
    ]);
    return result.rows;
  }

  async readFoldRows(entityId: string, after: number, upTo: number): Promise<FoldRow[]> {
    try {
      const result = await this.pool.query<FoldRow>({
        name: `${this.#statementPrefix}readFoldRows`,
        text: this.#foldStatement,
        values: [entityId, after, upTo],
        rowMode: 'array',
      });
      return result.rows;
    } catch (error) {
      throw new ProviderError(this.name, 'readFoldRows', error);
    }
  }

  async readSnapshotAndTail(
    entityId: string,
    type: string,
    schemaVersion: number,
  ): Promise<SnapshotAndTailRows> {
    try {
      const result = await this.pool.query<unknown[]>({
        name: `${this.#statementPrefix}readSnapshotAndTail`,
        text: this.#snapshotTailStatement,
        values: [entityId, type, schemaVersion],
        rowMode: 'array',
      });
      return snapshotAndTailFromRows(entityId, type, schemaVersion, result.rows);
    } catch (error) {
      throw new ProviderError(this.name, 'readSnapshotAndTail', error);
    }
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

  /**
   * One round trip for a batch: the compare-and-set statements when every
   * publication fits them, else the `publish(json)` function. Publications the
   * statements leave undecided (a concurrent writer won just then; nothing of
   * them was written) go to the function in a second round trip.
   */
  async #commitBatch(batch: PublicationRecord[]): Promise<BatchOutcome[]> {
    const writes = statementWrites(batch);
    if (writes === undefined) return this.#publishThroughFunction(batch);
    const outcomes = await this.#publishThroughStatement(writes);
    const undecided = batch.filter((_, index) => outcomes[index] === undefined);
    if (undecided.length === 0) return outcomes as PublishOutcome[];
    let decided: BatchOutcome[];
    try {
      decided = await this.#publishThroughFunction(undecided);
    } catch (error) {
      // The rest of the batch is committed: only the undecided publications fail.
      decided = undecided.map(() => ({ kind: 'failed', error }));
    }
    let next = 0;
    return outcomes.map((outcome) => outcome ?? (decided[next++] as BatchOutcome));
  }

  /** The batch through `publish(json)`: any publication, applied in batch order. */
  async #publishThroughFunction(batch: readonly PublicationRecord[]): Promise<PublishOutcome[]> {
    const result = await this.#write<{ outcomes: PublishOutcome[] }>('publish', this.#sql.publish, [
      batchJson(batch),
    ]);
    return (result.rows[0] as { outcomes: PublishOutcome[] }).outcomes;
  }

  /**
   * The batch through one compare-and-set statement: the set-based one, or
   * for a single publication its own, plainer one.
   *
   * @returns Per publication its outcome, or `undefined` when it is undecided.
   */
  async #publishThroughStatement(
    writes: readonly StatementWrite[],
  ): Promise<(PublishOutcome | undefined)[]> {
    if (writes.length === 1) return [await this.#publishOne(writes[0] as StatementWrite)];
    const result = await this.#write<BatchStatementRow>(
      'publish-batch',
      this.#sql.publishBatch,
      batchParameters(writes),
    );
    return writes.map((write, index) => {
      const row = result.rows[index] as BatchStatementRow;
      const stored =
        row.storedType === null
          ? undefined
          : { type: row.storedType, version: row.storedVersion ?? 0 };
      return statementOutcome(write, row.position, stored);
    });
  }

  /** A batch of one: its statement, and only when that fails, a read of the entity to say why. */
  async #publishOne(write: StatementWrite): Promise<PublishOutcome | undefined> {
    const sql = this.#sql;
    const [statement, text] =
      write.expectedVersion === 'new'
        ? ['publish-new', sql.publishNew]
        : ['publish-existing', sql.publishExisting];
    const result = await this.#write<{ position: string }>(
      statement,
      text,
      publicationParameters(write),
    );
    const published = result.rows[0];
    if (published !== undefined) return statementOutcome(write, published.position, undefined);
    // Nothing was written (and nothing else is in this batch): a fresh read says why.
    const stored = await this.#write<StoredEntity>('getEntity', sql.getEntity, [write.id]);
    return statementOutcome(write, null, stored.rows[0]);
  }

  /** One write statement in its own transaction, retried on deadlocks and serialization failures. */
  async #write<TRow>(
    statement: string,
    text: string,
    values: unknown[],
  ): Promise<PostgresQueryResult<TRow>> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.pool.query<TRow>({
          name: this.#statementPrefix + statement,
          text,
          values,
        });
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
 * What the group committer gives each publication: its outcome, or the error
 * of a second round trip that failed after the rest of its batch committed.
 */
type BatchOutcome = PublishOutcome | { readonly kind: 'failed'; readonly error: unknown };

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
