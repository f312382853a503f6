import type {
  CheckpointKey,
  CheckpointRow,
  CheckpointUpdate,
  EntityRow,
  EventRow,
  FoldRow,
  LeaseRequest,
  ProjectionStorage,
  Provider,
  PublicationRecord,
  PublicationWork,
  PublishOutcome,
  SnapshotAndTailRows,
  SnapshotRow,
  TransactionWork,
} from '@factline/core';
import {
  distinctCommandIds,
  GroupCommitter,
  InvalidArgumentError,
  ProviderError,
  toProtocolTimestamp,
  WorkFailure,
} from '@factline/core';
import pg from 'pg';
import { type BatchStatementRow, batchParameters } from './postgres-batch-statement.js';
import type { PostgresConfig } from './postgres-config.js';
import { isRetryablePostgresError } from './postgres-errors.js';
import { postgresFoldStatement } from './postgres-fold-statement.js';
import { inPostgresTransaction, waitToRetry } from './postgres-in-transaction.js';
import { type OpenedListenConnection, PostgresListener } from './postgres-listener.js';
import type {
  PostgresClient,
  PostgresPool,
  PostgresQueryResult,
  PostgresTransaction,
} from './postgres-pool.js';
import { PostgresProjectionStorage } from './postgres-projection-storage.js';
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
 * compare-and-set, so a conflict rejects only its own publication. A
 * publication with inline work commits on its own, in a transaction that
 * runs the work before the commit.
 *
 * It is also the projection storage of read models in the same database:
 * handlers get a {@link PostgresTransaction} (a client of the pool, inside
 * `BEGIN`). Every publication notifies a channel of the schema and prefix,
 * so `watch()` wakes projectors in other processes.
 *
 * @example
 * ```ts
 * const provider = new PostgresProvider({ connectionString: process.env.DATABASE_URL });
 * ```
 */
export class PostgresProvider
  implements Provider<PostgresTransaction>, ProjectionStorage<PostgresTransaction>
{
  readonly name = 'postgres';
  /** The pool, for read models that share the database. */
  readonly pool: PostgresPool;
  readonly #ownsPool: boolean;
  /** How to open a connection of our own for `LISTEN`, when the pool is ours. */
  readonly #clientConfig: Readonly<Record<string, unknown>> | undefined;
  readonly #projections: PostgresProjectionStorage;
  readonly #listener: PostgresListener;
  readonly #sql: PostgresStatements;
  readonly #foldStatement: string;
  readonly #snapshotTailStatement: string;
  readonly #schema: string;
  /** The `Commands` table's name, to tell its unique violations. */
  readonly #commandsTable: string;
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
    this.#commandsTable = `${prefix}Commands`;
    this.#foldStatement = postgresFoldStatement(this.#schema, prefix);
    this.#snapshotTailStatement = postgresSnapshotTailStatement(this.#schema, prefix);
    // pg prepares a named statement once per connection; names must differ per schema and prefix.
    this.#statementPrefix = `factline:${this.#schema}:${prefix}:`;
    if (config.pool !== undefined) {
      this.pool = config.pool;
      this.#ownsPool = false;
      this.#clientConfig = undefined;
    } else if (config.connectionString !== undefined || config.poolConfig !== undefined) {
      this.#clientConfig = {
        ...config.poolConfig,
        ...(config.connectionString === undefined
          ? {}
          : { connectionString: config.connectionString }),
      };
      this.pool = new pg.Pool(this.#clientConfig) as unknown as PostgresPool;
      this.#ownsPool = true;
    } else {
      throw new InvalidArgumentError(
        'PostgresProvider needs a pool, a connectionString or poolConfig.',
      );
    }
    this.#maxRetries = config.maxRetries ?? 5;
    this.#projections = new PostgresProjectionStorage(
      this.name,
      this.pool,
      this.#schema,
      prefix,
      this.#statementPrefix,
    );
    this.#listener = new PostgresListener({
      channel: this.#sql.channel,
      open: () => this.#openListenConnection(),
    });
    this.#committer = new GroupCommitter({
      commit: (batch) => this.#commitBatch(batch),
      maxBatchSize: config.maxBatchSize ?? 100,
      canJoin: distinctCommandIds,
    });
  }

  async migrate(): Promise<void> {
    const sql = this.#sql;
    const transaction = { pool: this.pool, provider: this.name, operation: 'migrate' };
    await inPostgresTransaction(transaction, async (client) => {
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
      return { commit: true, result: undefined };
    });
  }

  /**
   * A publication with inline `work` cannot share a group-committed batch —
   * its work's failure must roll back only itself — so it commits on its own
   * client: `publish(json)` for it alone, then the work, while the `Head` row
   * stays locked, then the commit. Such publications commit one at a time.
   */
  async publish(
    publication: PublicationRecord,
    work?: PublicationWork<PostgresTransaction>,
  ): Promise<PublishOutcome> {
    if (work !== undefined) return this.#publishWithWork(publication, work);
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

  readCheckpoint(key: CheckpointKey): Promise<CheckpointRow | undefined> {
    return this.#projections.readCheckpoint(key);
  }

  /** Read-model work here gets a client of the pool inside `BEGIN`, and may be `async`. */
  commitCheckpoint(
    update: CheckpointUpdate,
    work?: TransactionWork<PostgresTransaction>,
  ): Promise<boolean> {
    return this.#projections.commitCheckpoint(update, work);
  }

  resetCheckpoint(key: CheckpointKey, work?: TransactionWork<PostgresTransaction>): Promise<void> {
    return this.#projections.resetCheckpoint(key, work);
  }

  acquireLease(request: LeaseRequest): Promise<boolean> {
    return this.#projections.acquireLease(request);
  }

  releaseLease(projector: string, owner: string): Promise<void> {
    return this.#projections.releaseLease(projector, owner);
  }

  /**
   * Calls `listener` soon after any process commits a publication to this
   * schema and prefix (`LISTEN` on their channel). Every watcher of this
   * provider shares one connection: with a pool of your own, one of its
   * clients, held while anyone watches; else a connection of its own. A lost
   * connection is reopened with backoff, and `listener` is called once after,
   * since publications may have been missed.
   *
   * @returns Stops calling `listener`; the last one to stop closes the connection.
   */
  watch(listener: () => void): Promise<() => Promise<void>> {
    return this.#listener.add(listener);
  }

  async close(): Promise<void> {
    await this.#listener.close();
    if (this.#ownsPool) await this.pool.end();
  }

  /**
   * Opens the `LISTEN` connection: a client of our own when the pool is
   * ours, so its size stays for writes; a client of your pool otherwise,
   * since only it knows how to connect.
   */
  async #openListenConnection(): Promise<OpenedListenConnection> {
    if (this.#clientConfig !== undefined) {
      const client = new pg.Client({ ...this.#clientConfig, keepAlive: true });
      // Errors of a connection that is not listening yet reject connect(); heard here, they do not crash.
      client.on('error', () => undefined);
      try {
        await client.connect();
      } catch (error) {
        await client.end().catch(() => undefined);
        throw error;
      }
      return { connection: client, close: () => client.end() };
    }
    const client = (await this.pool.connect()) as PostgresClient & {
      on?: unknown;
      removeListener?: unknown;
    };
    if (typeof client.on !== 'function' || typeof client.removeListener !== 'function') {
      client.release();
      throw new InvalidArgumentError(
        "watch() needs pg's client events (on, removeListener): this pool's clients have none.",
      );
    }
    const listening = client as unknown as PostgresClient & OpenedListenConnection['connection'];
    return {
      connection: listening,
      close: async (broken) => listening.release(broken),
    };
  }

  /** A publication with work, on a client of its own: see {@link PostgresProvider.publish}. */
  #publishWithWork(
    publication: PublicationRecord,
    work: PublicationWork<PostgresTransaction>,
  ): Promise<PublishOutcome> {
    const transaction = {
      pool: this.pool,
      provider: this.name,
      operation: 'publish',
      maxRetries: this.#maxRetries,
    };
    return inPostgresTransaction<PublishOutcome>(transaction, async (client) => {
      // Locks as the batches do: compare-and-sets first, the Head row last, held to commit.
      const result = await client.query<{ outcomes: PublishOutcome[] }>({
        name: `${this.#statementPrefix}publish`,
        text: this.#sql.publish,
        values: [batchJson([publication])],
      });
      const outcome = (result.rows[0] as { outcomes: PublishOutcome[] })
        .outcomes[0] as PublishOutcome;
      if (outcome.kind !== 'published') return { commit: false, result: outcome };
      const { position, versions } = outcome;
      await WorkFailure.run(() => work(client, { position, versions }));
      return { commit: true, result: outcome };
    });
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
    const outcomes = await this.#publishThroughStatement(
      writes,
      batch.map((publication) => publication.commandId),
    );
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
   * for a single publication without a command id its own, plainer one.
   *
   * @param writes One entity write per publication, in batch order.
   * @param commandIds Each publication's command id, `null` for none.
   * @returns Per publication its outcome, or `undefined` when it is undecided.
   */
  async #publishThroughStatement(
    writes: readonly StatementWrite[],
    commandIds: readonly (string | null)[],
  ): Promise<(PublishOutcome | undefined)[]> {
    if (writes.length === 1 && commandIds[0] === null) {
      return [await this.#publishOne(writes[0] as StatementWrite)];
    }
    let result: PostgresQueryResult<BatchStatementRow>;
    try {
      result = await this.#write<BatchStatementRow>(
        'publish-batch',
        this.#sql.publishBatch,
        batchParameters(writes, commandIds),
      );
    } catch (error) {
      // Another writer recorded one of these command ids since the statement began: it wrote nothing.
      if (this.#isCommandClaimRace(error)) return writes.map(() => undefined);
      throw error;
    }
    return writes.map((write, index) => {
      const row = result.rows[index] as BatchStatementRow;
      const stored =
        row.storedType === null
          ? undefined
          : { type: row.storedType, version: row.storedVersion ?? 0 };
      const recorded =
        row.commandPosition === null
          ? undefined
          : { position: row.commandPosition, versions: row.commandVersions ?? '[]' };
      const command = commandIds[index] == null ? undefined : { recorded };
      return statementOutcome(write, row.position, stored, command);
    });
  }

  /** Whether the batch statement failed on a command id another writer recorded first. */
  #isCommandClaimRace(error: unknown): boolean {
    const cause = (error as { cause?: { code?: unknown; schema?: unknown; table?: unknown } })
      .cause;
    return (
      error instanceof ProviderError &&
      cause?.code === '23505' &&
      cause.schema === this.#schema &&
      cause.table === this.#commandsTable
    );
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
          await waitToRetry(attempt);
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
