import { createHash } from 'node:crypto';
import type {
  CheckpointKey,
  CheckpointRow,
  CheckpointUpdate,
  EntityRow,
  EntityVersion,
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
  isFactlineError,
  ProviderError,
  toProtocolTimestamp,
  WorkFailure,
} from '@factline/core';
import mysql from 'mysql2/promise';
import { type BatchCall, planBatchCalls, planOpenCall } from './mysql-batch-calls.js';
import { readBatchOutcomes } from './mysql-batch-outcomes.js';
import type { MysqlConfig } from './mysql-config.js';
import { isMissingProcedureError, isRetryableMysqlError } from './mysql-errors.js';
import { mysqlFoldStatement } from './mysql-fold-statement.js';
import { inMysqlTransaction, waitToRetry } from './mysql-in-transaction.js';
import { toInteger } from './mysql-integer.js';
import {
  checkPublicationFits,
  estimateBytes,
  packetOverhead,
  rowOverhead,
} from './mysql-limits.js';
import type {
  MysqlPool,
  MysqlPoolConnection,
  MysqlQueryable,
  MysqlTransaction,
  MysqlValue,
} from './mysql-pool.js';
import { run, select } from './mysql-prepared-statements.js';
import { MysqlProjectionStorage } from './mysql-projection-storage.js';
import {
  mysqlSnapshotTailStatement,
  snapshotAndTailFromRows,
} from './mysql-snapshot-tail-statement.js';
import { exactCollations, type MysqlStatements, mysqlStatements } from './mysql-statements.js';

/** Most rows in one multi-row INSERT. */
const maxRowsPerStatement = 128;

/** The connection mysql2's pool passes to its `connection` event. */
interface CallbackConnection {
  query(sql: string, callback: (error: unknown) => void): void;
}

/**
 * What the group committer hands each publication: its outcome, or the
 * failure of its own CALL. A batch larger than a packet takes several CALLs,
 * and the ones that committed must not be reported as failed.
 */
type BatchResult = PublishOutcome | { readonly kind: 'failed'; readonly error: ProviderError };

/**
 * Events in MySQL 8 or MariaDB 10.6+, through mysql2. Many processes may
 * write to one database.
 *
 * Concurrent publications from this process are group-committed: a batch is
 * one CALL of the `publish_batch` procedure that `migrate()` creates — one
 * round trip, one READ COMMITTED transaction, one commit. It locks the
 * batch's entities in one fixed order (so batches never deadlock on each
 * other), compare-and-sets each publication's entities in turn, so a
 * conflict refuses only its own publication, and then, as the last step
 * before inserting the events, locks the `Head` counter row until commit, so
 * positions are contiguous and in commit order. A batch that deadlocks with
 * another transaction is retried whole.
 *
 * It is also a `ProjectionStorage`: projectors keep their checkpoints and
 * leases in its database, and their handlers (and inline projections) get a
 * {@link MysqlTransaction} — a connection of the pool inside a transaction.
 *
 * @example
 * ```ts
 * const provider = new MysqlProvider({ connectionString: 'mysql://app@db:3306/shop' });
 * const store = new EventStore({ provider, events });
 * await store.migrate();
 * ```
 */
export class MysqlProvider
  implements Provider<MysqlTransaction>, ProjectionStorage<MysqlTransaction>
{
  readonly name = 'mysql';
  /**
   * The pool, for read models that share the database. A pool the provider
   * opened runs its sessions at READ COMMITTED.
   */
  readonly pool: MysqlPool;
  readonly #ownsPool: boolean;
  readonly #database: string | undefined;
  readonly #prefix: string;
  readonly #sql: MysqlStatements;
  #foldStatement: string | undefined;
  #snapshotTailStatement: string | undefined;
  readonly #maxRetries: number;
  readonly #lockTimeout: number;
  readonly #committer: GroupCommitter<PublicationRecord, BatchResult>;
  readonly #projections: MysqlProjectionStorage;
  /** The most bytes of values one statement may carry (`max_allowed_packet`), once known. */
  #packetBudget: number | undefined;
  #packetBudgetLoading: Promise<number> | undefined;

  /**
   * @param config A pool, a connection string or pool options; database and prefix.
   */
  constructor(config: MysqlConfig) {
    this.#database = config.database;
    this.#prefix = config.tablePrefix ?? '';
    this.#sql = mysqlStatements(this.#database, this.#prefix);
    if (config.pool !== undefined) {
      this.pool = config.pool;
      this.#ownsPool = false;
    } else if (config.connectionString !== undefined || config.poolConfig !== undefined) {
      const pool = mysql.createPool({
        ...config.poolConfig,
        ...(config.connectionString === undefined ? {} : { uri: config.connectionString }),
      } as mysql.PoolOptions);
      // For read models on this pool (batches set their own transaction's
      // level). mysql2 queues the statement before the connection is handed
      // out; the event carries its callback-style connection.
      pool.on('connection', (connection) => {
        (connection as unknown as CallbackConnection).query(this.#sql.readCommittedSession, () => {
          // A connection that fails this fails its next statement too, which reports it.
        });
      });
      this.pool = pool;
      this.#ownsPool = true;
    } else {
      throw new InvalidArgumentError(
        'MysqlProvider needs a pool, a connectionString or poolConfig.',
      );
    }
    this.#maxRetries = config.maxRetries ?? 5;
    this.#lockTimeout = config.migrationLockTimeout ?? 60;
    this.#projections = new MysqlProjectionStorage(
      this.name,
      this.pool,
      this.#database,
      this.#prefix,
      this.#maxRetries,
    );
    this.#committer = new GroupCommitter({
      commit: (batch) => this.#commitBatch(batch),
      maxBatchSize: config.maxBatchSize ?? 100,
      canJoin: distinctCommandIds,
    });
  }

  async migrate(): Promise<void> {
    const sql = this.#sql;
    const connection = await this.#connect('migrate');
    let lock: string | undefined;
    let failure: unknown;
    try {
      const database = this.#database ?? (await this.#currentDatabase(connection));
      lock = `factline:${createHash('sha1').update(`${database}.${this.#prefix}`).digest('hex')}`;
      const [acquired] = await select(connection, sql.getLock, [lock, this.#lockTimeout]);
      if (Number(acquired?.[0]) !== 1) {
        const message =
          `waited ${this.#lockTimeout} s for another process's migration of ${database} (lock ${lock}); ` +
          'raise migrationLockTimeout or look for a stuck process';
        lock = undefined;
        throw new Error(message);
      }
      if (sql.createDatabase !== undefined) {
        const [exists] = await select(connection, sql.databaseExists, [database]);
        if (Number(exists?.[0]) === 0) await connection.query(sql.createDatabase);
      }
      const available = new Set(
        (await select(connection, sql.collations, [...exactCollations])).map((row) => row[0]),
      );
      const collation =
        exactCollations.find((name) => available.has(name)) ?? sql.fallbackCollation;
      await connection.query(sql.migrationsTable(collation));
      const [current] = await select(connection, sql.currentMigration, []);
      const version = Number(current?.[0] ?? 0);
      for (const migration of sql.migrations(collation)) {
        if (migration.version <= version) continue;
        for (const statement of migration.statements) await connection.query(statement);
        await run(connection, sql.recordMigration, [
          migration.version,
          migration.description,
          toProtocolTimestamp(new Date()),
        ]);
      }
    } catch (error) {
      failure = error;
    }
    try {
      if (lock !== undefined) await select(connection, sql.releaseLock, [lock]);
    } catch {
      // The session lock ends with the session, below.
    }
    // Not back to the pool: a migration may have changed the session's sql_mode.
    connection.destroy();
    if (failure !== undefined) {
      if (isFactlineError(failure)) throw failure;
      throw new ProviderError(this.name, 'migrate', failure);
    }
  }

  /**
   * A publication with inline `work` cannot share a group-committed batch —
   * its work's failure must roll back only itself — so it commits on its own
   * connection: the procedure for it alone, leaving its transaction open with
   * the `Head` row locked, then its events, the work, and the commit. Such
   * publications commit one at a time.
   */
  async publish(
    publication: PublicationRecord,
    work?: PublicationWork<MysqlTransaction>,
  ): Promise<PublishOutcome> {
    checkPublicationFits(publication, this.#packetBudget ?? (await this.#loadPacketBudget()));
    if (work !== undefined) return this.#publishWithWork(publication, work);
    const result = await this.#committer.submit(publication);
    if (result.kind === 'failed') throw result.error;
    return result;
  }

  async readEntity(entityId: string, after: number, upTo: number): Promise<EventRow[]> {
    const rows = await this.#read('readEntity', this.#sql.readEntity, [entityId, after, upTo]);
    return rows.map(eventFromColumns);
  }

  async readFoldRows(entityId: string, after: number, upTo: number): Promise<FoldRow[]> {
    this.#foldStatement ??= mysqlFoldStatement(this.#database, this.#prefix);
    const rows = await this.#read('readFoldRows', this.#foldStatement, [entityId, after, upTo]);
    return rows as unknown as FoldRow[];
  }

  async readSnapshotAndTail(
    entityId: string,
    type: string,
    schemaVersion: number,
  ): Promise<SnapshotAndTailRows> {
    this.#snapshotTailStatement ??= mysqlSnapshotTailStatement(this.#database, this.#prefix);
    const rows = await this.#read('readSnapshotAndTail', this.#snapshotTailStatement, [
      entityId,
      type,
      schemaVersion,
      entityId,
      entityId,
    ]);
    return snapshotAndTailFromRows(entityId, type, schemaVersion, rows);
  }

  async readPositions(after: number, count: number): Promise<EventRow[]> {
    const rows = await this.#read('readAll', this.#sql.readPositions, [after, after + count]);
    return rows.map(eventFromColumns);
  }

  async headPosition(): Promise<number> {
    const [row] = await this.#read('head', this.#sql.headPosition, []);
    return toInteger(row?.[0] ?? 0);
  }

  async getEntity(entityId: string): Promise<EntityRow | undefined> {
    const [row] = await this.#read('getEntity', this.#sql.getEntity, [entityId]);
    if (row === undefined) return undefined;
    return { id: row[0] as string, type: row[1] as string, version: toInteger(row[2]) };
  }

  async readSnapshot(entityId: string): Promise<SnapshotRow | undefined> {
    const [row] = await this.#read('readSnapshot', this.#sql.readSnapshot, [entityId]);
    if (row === undefined) return undefined;
    return {
      entityId: row[0] as string,
      type: row[1] as string,
      version: toInteger(row[2]),
      schemaVersion: Number(row[3]),
      state: row[4] as string,
      takenAt: Number(row[5]),
    };
  }

  async writeSnapshot(row: SnapshotRow): Promise<void> {
    try {
      await run(this.pool, this.#sql.writeSnapshot, [
        row.entityId,
        row.type,
        row.version,
        row.schemaVersion,
        row.state,
        row.takenAt,
      ]);
    } catch (error) {
      throw new ProviderError(this.name, 'writeSnapshot', error);
    }
  }

  readCheckpoint(key: CheckpointKey): Promise<CheckpointRow | undefined> {
    return this.#projections.readCheckpoint(key);
  }

  /** Read-model work here gets a connection of the pool inside a transaction, and may be `async`. */
  commitCheckpoint(
    update: CheckpointUpdate,
    work?: TransactionWork<MysqlTransaction>,
  ): Promise<boolean> {
    return this.#projections.commitCheckpoint(update, work);
  }

  resetCheckpoint(key: CheckpointKey, work?: TransactionWork<MysqlTransaction>): Promise<void> {
    return this.#projections.resetCheckpoint(key, work);
  }

  acquireLease(request: LeaseRequest): Promise<boolean> {
    return this.#projections.acquireLease(request);
  }

  releaseLease(projector: string, owner: string): Promise<void> {
    return this.#projections.releaseLease(projector, owner);
  }

  async close(): Promise<void> {
    if (this.#ownsPool) await this.pool.end();
  }

  async #read(operation: string, sql: string, values: MysqlValue[]): Promise<unknown[][]> {
    try {
      return await select(this.pool, sql, values);
    } catch (error) {
      throw new ProviderError(this.name, operation, error);
    }
  }

  async #connect(operation: string): Promise<MysqlPoolConnection> {
    try {
      return await this.pool.getConnection();
    } catch (error) {
      throw new ProviderError(this.name, operation, error);
    }
  }

  async #currentDatabase(connection: MysqlQueryable): Promise<string> {
    const [row] = await select(connection, this.#sql.currentDatabase, []);
    const database = row?.[0];
    if (typeof database !== 'string') {
      throw new InvalidArgumentError(
        'The connection has no database: name one in the connection string or give MysqlProvider a `database`.',
      );
    }
    return database;
  }

  /** Reads `max_allowed_packet` once: no statement of a batch may exceed it. */
  #loadPacketBudget(): Promise<number> {
    this.#packetBudgetLoading ??= select(this.pool, this.#sql.maxAllowedPacket, []).then(
      ([row]) => {
        this.#packetBudget = toInteger(row?.[0]) - packetOverhead;
        return this.#packetBudget;
      },
      (error: unknown) => {
        this.#packetBudgetLoading = undefined;
        throw new ProviderError(this.name, 'publish', error);
      },
    );
    return this.#packetBudgetLoading;
  }

  /**
   * Writes a batch: one CALL, or several in order when it is larger than a
   * packet. A failed CALL fails only its own publications.
   */
  async #commitBatch(batch: PublicationRecord[]): Promise<BatchResult[]> {
    const results: BatchResult[] = [];
    const budget = this.#packetBudget ?? Number.POSITIVE_INFINITY;
    for (const call of planBatchCalls(batch, budget)) {
      try {
        results.push(...(await this.#commitCall(call)));
      } catch (error) {
        const failed = {
          kind: 'failed',
          error: new ProviderError(this.name, 'publish', error),
        } as const;
        for (const _ of call.publications) results.push(failed);
      }
    }
    return results;
  }

  /** A publication with work, on a connection of its own: see {@link MysqlProvider.publish}. */
  #publishWithWork(
    publication: PublicationRecord,
    work: PublicationWork<MysqlTransaction>,
  ): Promise<PublishOutcome> {
    const call = planOpenCall(publication);
    const transaction = {
      pool: this.pool,
      provider: this.name,
      operation: 'publish',
      maxRetries: this.#maxRetries,
      retryable: isRetryableCall,
    };
    return inMysqlTransaction<PublishOutcome>(transaction, async (connection) => {
      // The procedure decides the publication and leaves its transaction open.
      const [outcome] = readBatchOutcomes(
        call.publications,
        await callPublish(connection, this.#sql, call),
      ) as [PublishOutcome];
      if (outcome.kind !== 'published') return { commit: false, result: outcome };
      await this.#insertEvents(connection, call.publications, [outcome]);
      const { position, versions } = outcome;
      await WorkFailure.run(() => work(connection, { position, versions }));
      return { commit: true, result: outcome };
    });
  }

  /**
   * One CALL in one transaction, retried as a whole on deadlocks, lock wait
   * timeouts and a missing procedure (a migration replacing it). The
   * procedure commits, or has rolled back when it fails, so any connection of
   * the pool may run it; only a CALL that leaves its transaction open takes
   * one for itself.
   */
  async #commitCall(call: BatchCall): Promise<PublishOutcome[]> {
    for (let attempt = 0; ; attempt++) {
      try {
        if (call.eventsJson === null) return await this.#writeOpenCall(call);
        return readBatchOutcomes(call.publications, await callPublish(this.pool, this.#sql, call));
      } catch (error) {
        if (isRetryableCall(error) && attempt < this.#maxRetries) {
          await waitToRetry(attempt);
          continue;
        }
        throw error;
      }
    }
  }

  /**
   * A publication too large for one packet: the procedure decides it and
   * leaves its transaction open, and its events go in here before the commit.
   */
  async #writeOpenCall(call: BatchCall): Promise<PublishOutcome[]> {
    const connection = await this.pool.getConnection();
    try {
      const outcomes = readBatchOutcomes(
        call.publications,
        await callPublish(connection, this.#sql, call),
      );
      await this.#insertEvents(connection, call.publications, outcomes);
      await connection.query(this.#sql.commit);
      connection.release();
      return outcomes;
    } catch (error) {
      if (isRetryableCall(error)) {
        // The connection is sound: roll back and hand it back.
        try {
          await connection.query(this.#sql.rollback);
          connection.release();
        } catch {
          connection.destroy();
        }
      } else {
        // It may be broken, or mid-statement: closing it makes the server
        // roll the uncommitted transaction back, and the pool never reuses it.
        connection.destroy();
      }
      throw error;
    }
  }

  /** The events of the published publications, their positions and ordinals as the procedure chose. */
  async #insertEvents(
    connection: MysqlQueryable,
    publications: readonly PublicationRecord[],
    outcomes: readonly PublishOutcome[],
  ): Promise<void> {
    const rows: MysqlValue[][] = [];
    const sizes: number[] = [];
    publications.forEach((publication, index) => {
      const outcome = outcomes[index] as PublishOutcome;
      if (outcome.kind !== 'published') return;
      publication.entities.forEach((entity, entityIndex) => {
        const version = (outcome.versions[entityIndex] as EntityVersion).version;
        let ordinal = version - entity.events.length + 1;
        for (const event of entity.events) {
          rows.push([
            entity.id,
            event.name,
            event.details,
            event.actor,
            event.timestamp,
            ordinal++,
            outcome.position,
            event.id,
            event.schemaVersion,
            event.metadata,
          ]);
          sizes.push(
            estimateBytes(event.details) +
              estimateBytes(event.metadata ?? '') +
              (entity.id.length + event.name.length + event.actor.length) * 3 +
              rowOverhead,
          );
        }
      });
    });
    await this.#insertRows(connection, rows, sizes, this.#sql.insertEvents);
  }

  /**
   * Inserts rows with as few multi-row INSERTs as the packet size and the
   * allowed row counts permit, in order.
   */
  async #insertRows(
    connection: MysqlQueryable,
    rows: readonly MysqlValue[][],
    sizes: readonly number[],
    statement: (rows: number) => string,
  ): Promise<void> {
    const budget = this.#packetBudget ?? Number.POSITIVE_INFINITY;
    let start = 0;
    while (start < rows.length) {
      let fitting = 0;
      let bytes = 0;
      while (start + fitting < rows.length && fitting < maxRowsPerStatement) {
        bytes += sizes[start + fitting] as number;
        if (fitting > 0 && bytes > budget) break;
        fitting++;
      }
      const count = rowsPerStatement(fitting);
      const values: MysqlValue[] = [];
      for (let index = start; index < start + count; index++) {
        values.push(...(rows[index] as MysqlValue[]));
      }
      await run(connection, statement(count), values);
      start += count;
    }
  }
}

/**
 * How many of `available` rows one INSERT takes: every count up to 32, then
 * multiples of 32 up to 128, so each connection prepares at most 35 shapes
 * of one INSERT and a batch needs few of them.
 */
function rowsPerStatement(available: number): number {
  if (available <= 32) return available;
  return Math.min(maxRowsPerStatement, Math.floor(available / 32) * 32);
}

/**
 * Tells whether a CALL of the publish procedure may simply run again: after a
 * deadlock or lock wait timeout, or when the procedure is missing (a
 * migration is replacing it right now, or none ran).
 */
function isRetryableCall(error: unknown): boolean {
  return isRetryableMysqlError(error) || isMissingProcedureError(error);
}

/** The publish procedure's row for one CALL. */
async function callPublish(
  target: MysqlQueryable,
  sql: MysqlStatements,
  call: BatchCall,
): Promise<unknown[]> {
  const [results] = await target.execute({ sql: sql.publishBatch, rowsAsArray: true }, [
    call.entitiesJson,
    call.lockIdsJson,
    call.eventsJson,
  ]);
  const row = (results as unknown[][][])[0]?.[0];
  if (row === undefined) throw new Error('The publish procedure returned no row.');
  return row;
}

/** An `Events` row, columns in the order of `eventColumns` in mysql-statements.ts. */
function eventFromColumns(row: unknown[]): EventRow {
  return {
    id: row[0] as string,
    entityId: row[1] as string,
    name: row[2] as string,
    schemaVersion: Number(row[3]),
    details: row[4] as string,
    actor: row[5] as string,
    timestamp: Number(row[6]),
    ordinal: toInteger(row[7]),
    position: toInteger(row[8]),
    metadata: row[9] as string | null,
  };
}
