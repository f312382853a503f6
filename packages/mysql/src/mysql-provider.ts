import { createHash } from 'node:crypto';
import type {
  EntityRow,
  EntityVersion,
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
  isFactlineError,
  ProviderError,
  toProtocolTimestamp,
} from '@factline/core';
import mysql from 'mysql2/promise';
import { decideInBatch, type EntityState } from './mysql-batch-decision.js';
import type { MysqlConfig } from './mysql-config.js';
import { isDuplicateKeyError, isRetryableMysqlError } from './mysql-errors.js';
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
  MysqlResultHeader,
  MysqlValue,
} from './mysql-pool.js';
import { exactCollations, type MysqlStatements, mysqlStatements } from './mysql-statements.js';

/** Most rows in one multi-row INSERT. */
const maxRowsPerStatement = 128;

/** The connection mysql2's pool passes to its `connection` event. */
interface CallbackConnection {
  query(sql: string, callback: (error: unknown) => void): void;
}

/** A publication whose compare-and-sets all succeeded, waiting for its position. */
interface Accepted {
  readonly publication: PublicationRecord;
  /** Its place in the batch. */
  readonly index: number;
  /** Per entity, the ordinal of its first new event. */
  readonly firstOrdinals: number[];
  readonly versions: EntityVersion[];
}

/**
 * Thrown inside a batch when a concurrent transaction created a key it
 * needs (a new entity, a command id) after the batch looked: the batch is
 * rolled back and tried again, and then sees it.
 */
class BatchRace extends Error {}

/**
 * Events in MySQL 8 or MariaDB 10.6+, through mysql2. Many processes may
 * write to one database.
 *
 * Concurrent publications from this process are group-committed: a batch is
 * one READ COMMITTED transaction on one connection, in a handful of round
 * trips whatever its size. It locks the batch's entities (in key order, so
 * batches never deadlock on each other), decides each publication's
 * compare-and-sets in turn, so a conflict refuses only its own publication,
 * and writes the new versions as one compare-and-set. Then, as the last
 * step before inserting the events, it locks the `Head` counter row until
 * commit, so positions are contiguous and in commit order. A batch that
 * deadlocks with another transaction is retried whole.
 *
 * @example
 * ```ts
 * const provider = new MysqlProvider({ connectionString: 'mysql://app@db:3306/shop' });
 * const store = new EventStore({ provider, events });
 * await store.migrate();
 * ```
 */
export class MysqlProvider implements Provider {
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
  readonly #maxRetries: number;
  readonly #lockTimeout: number;
  readonly #committer: GroupCommitter<PublicationRecord, PublishOutcome>;
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
      // Once per connection rather than once per batch. mysql2 queues the
      // statement before the connection is handed out; the event carries
      // its callback-style connection.
      pool.on('connection', (connection) => {
        (connection as unknown as CallbackConnection).query(this.#sql.readCommittedSession, () => {
          // A connection that fails this fails its first batch too, which reports it.
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
      connection.release();
    } catch {
      // The session lock ends with the session.
      connection.destroy();
    }
    if (failure !== undefined) {
      if (isFactlineError(failure)) throw failure;
      throw new ProviderError(this.name, 'migrate', failure);
    }
  }

  async publish(publication: PublicationRecord): Promise<PublishOutcome> {
    checkPublicationFits(publication, this.#packetBudget ?? (await this.#loadPacketBudget()));
    return this.#committer.submit(publication);
  }

  async readEntity(entityId: string, after: number, upTo: number): Promise<EventRow[]> {
    const rows = await this.#read('readEntity', this.#sql.readEntity, [entityId, after, upTo]);
    return rows.map(eventFromColumns);
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

  /** One transaction per batch, retried as a whole on deadlocks and lock wait timeouts. */
  async #commitBatch(batch: PublicationRecord[]): Promise<PublishOutcome[]> {
    for (let attempt = 0; ; attempt++) {
      const connection = await this.#connect('publish');
      try {
        const outcomes = await this.#writeBatch(connection, batch);
        connection.release();
        return outcomes;
      } catch (error) {
        const retryable = isRetryableMysqlError(error) || error instanceof BatchRace;
        if (retryable) {
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
        if (retryable && attempt < this.#maxRetries) {
          await delay(2 ** attempt * 5 * (0.5 + Math.random()));
          continue;
        }
        throw new ProviderError(this.name, 'publish', error);
      }
    }
  }

  /**
   * Writes a batch in one transaction, in a number of round trips that does
   * not grow with the batch: lock and read its entities; read the stored
   * results of its command ids; decide each publication's compare-and-sets
   * in order, here; write the entities' new versions; lock the `Head` row and
   * take one position per accepted publication; insert the events, then the
   * command results; commit.
   */
  async #writeBatch(
    connection: MysqlPoolConnection,
    batch: readonly PublicationRecord[],
  ): Promise<PublishOutcome[]> {
    const sql = this.#sql;
    if (!this.#ownsPool) await connection.query(sql.readCommitted);
    await connection.query(sql.begin);
    const entities = await this.#lockEntities(connection, batch);
    const stored = await this.#storedCommands(connection, batch);
    const outcomes = new Array<PublishOutcome>(batch.length);
    const accepted: Accepted[] = [];
    const refusedCommands: string[] = [];
    for (let index = 0; index < batch.length; index++) {
      const publication = batch[index] as PublicationRecord;
      const { commandId } = publication;
      const duplicate = commandId === null ? undefined : stored.get(commandId);
      if (duplicate !== undefined) {
        outcomes[index] = duplicate;
        continue;
      }
      const decision = decideInBatch(publication, entities);
      if (decision.kind === 'accepted') {
        accepted.push({ publication, index, ...decision });
        continue;
      }
      outcomes[index] = decision.outcome;
      if (commandId !== null) refusedCommands.push(commandId);
    }
    if (refusedCommands.length > 0) {
      // A refused publication may be the repeat of one that another process
      // committed after our first look: then it is a duplicate, not a conflict.
      const late = await this.#findCommands(connection, refusedCommands);
      batch.forEach(({ commandId }, index) => {
        const duplicate = commandId === null ? undefined : late.get(commandId);
        if (duplicate !== undefined) outcomes[index] = duplicate;
      });
    }
    if (accepted.length > 0) {
      await this.#writeVersions(connection, entities);
      const last = await this.#advanceHead(connection, accepted.length);
      const first = last - accepted.length + 1;
      await this.#insertEvents(connection, accepted, first);
      try {
        await this.#insertCommands(connection, accepted, first);
      } catch (error) {
        if (isDuplicateKeyError(error)) {
          throw new BatchRace('another process stored one of its command ids first');
        }
        throw error;
      }
      accepted.forEach(({ index, versions }, offset) => {
        outcomes[index] = { kind: 'published', position: first + offset, versions };
      });
    }
    await connection.query(sql.commit);
    return outcomes;
  }

  /**
   * Locks every entity of the batch that exists, until commit, and reads
   * its type and version; the ones that do not exist are read as absent.
   */
  async #lockEntities(
    connection: MysqlQueryable,
    batch: readonly PublicationRecord[],
  ): Promise<Map<string, EntityState>> {
    const entities = new Map<string, EntityState>();
    for (const publication of batch) {
      for (const { id } of publication.entities) {
        if (!entities.has(id)) entities.set(id, { stored: null, type: '', version: null });
      }
    }
    const ids = [...entities.keys()].sort();
    for (const row of await this.#selectIn(connection, this.#sql.lockEntities, ids)) {
      const state = entities.get(row[0] as string);
      if (state === undefined) continue;
      const version = toInteger(row[2]);
      state.stored = version;
      state.type = row[1] as string;
      state.version = version;
    }
    return entities;
  }

  /** Writes the versions the batch's accepted publications moved entities to. */
  async #writeVersions(
    connection: MysqlQueryable,
    entities: ReadonlyMap<string, EntityState>,
  ): Promise<void> {
    const created: MysqlValue[][] = [];
    const createdSizes: number[] = [];
    const moved: [string, number, number][] = [];
    for (const [id, state] of entities) {
      if (state.version === null || state.version === state.stored) continue;
      if (state.stored === null) {
        created.push([id, state.type, state.version]);
        createdSizes.push((id.length + state.type.length) * 3 + rowOverhead);
      } else {
        moved.push([id, state.version, state.stored]);
      }
    }
    try {
      await this.#insertRows(connection, created, createdSizes, this.#sql.insertEntities);
    } catch (error) {
      if (isDuplicateKeyError(error)) {
        throw new BatchRace('another process created one of its new entities first');
      }
      throw error;
    }
    for (let start = 0; start < moved.length; start += maxRowsPerStatement) {
      const chunk = moved.slice(start, start + maxRowsPerStatement);
      const size = paddedSize(chunk.length);
      const values: MysqlValue[] = [];
      for (let index = 0; index < size; index++) {
        const [id, version] = chunk[index] ?? [null, null];
        values.push(id, version);
      }
      for (let index = 0; index < size; index++) {
        const [id, , stored] = chunk[index] ?? [null, null, null];
        values.push(id, stored);
      }
      const updated = await run(connection, this.#sql.setVersions(size), values);
      if (updated.affectedRows !== chunk.length) {
        // The rows are locked: this cannot happen unless something else writes them.
        throw new Error(
          `A compare-and-set of ${chunk.length} locked entities matched ${updated.affectedRows}.`,
        );
      }
    }
  }

  /** The stored result of every command id in the batch. */
  async #storedCommands(
    connection: MysqlQueryable,
    batch: readonly PublicationRecord[],
  ): Promise<Map<string, PublishOutcome>> {
    const ids: string[] = [];
    for (const publication of batch) {
      if (publication.commandId !== null) ids.push(publication.commandId);
    }
    return ids.length === 0 ? new Map() : this.#findCommands(connection, ids);
  }

  async #findCommands(
    connection: MysqlQueryable,
    ids: readonly string[],
  ): Promise<Map<string, PublishOutcome>> {
    const stored = new Map<string, PublishOutcome>();
    for (const row of await this.#selectIn(connection, this.#sql.findCommands, ids)) {
      stored.set(row[0] as string, duplicateFromColumns(row));
    }
    return stored;
  }

  /**
   * Runs a `… IN (?, …)` query over any number of values, at most 128 per
   * statement, each padded with `null` to a power of two so that few shapes
   * of the statement get prepared.
   */
  async #selectIn(
    connection: MysqlQueryable,
    statement: (count: number) => string,
    values: readonly string[],
  ): Promise<unknown[][]> {
    const rows: unknown[][] = [];
    for (let start = 0; start < values.length; start += maxRowsPerStatement) {
      const chunk: MysqlValue[] = values.slice(start, start + maxRowsPerStatement);
      const size = paddedSize(chunk.length);
      while (chunk.length < size) chunk.push(null);
      rows.push(...(await select(connection, statement(size), chunk)));
    }
    return rows;
  }

  /** Locks the counter row until commit and moves it on; returns the last new position. */
  async #advanceHead(connection: MysqlQueryable, count: number): Promise<number> {
    const advanced = await run(connection, this.#sql.advanceHead, [count]);
    if (advanced.affectedRows !== 1) {
      throw new Error('The Head row is missing: run migrate() first.');
    }
    return toInteger(advanced.insertId);
  }

  async #insertEvents(
    connection: MysqlQueryable,
    accepted: readonly Accepted[],
    firstPosition: number,
  ): Promise<void> {
    const rows: MysqlValue[][] = [];
    const sizes: number[] = [];
    accepted.forEach(({ publication, firstOrdinals }, offset) => {
      const position = firstPosition + offset;
      publication.entities.forEach((entity, entityIndex) => {
        let ordinal = firstOrdinals[entityIndex] as number;
        for (const event of entity.events) {
          rows.push([
            entity.id,
            event.name,
            event.details,
            event.actor,
            event.timestamp,
            ordinal++,
            position,
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

  async #insertCommands(
    connection: MysqlQueryable,
    accepted: readonly Accepted[],
    firstPosition: number,
  ): Promise<void> {
    const rows: MysqlValue[][] = [];
    const sizes: number[] = [];
    accepted.forEach(({ publication, versions }, offset) => {
      if (publication.commandId === null) return;
      const text = JSON.stringify(versions);
      rows.push([publication.commandId, firstPosition + offset, text]);
      sizes.push((publication.commandId.length + text.length) * 3 + rowOverhead);
    });
    await this.#insertRows(connection, rows, sizes, this.#sql.insertCommands);
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

/** The next power of two: `IN` lists are padded to it. */
function paddedSize(count: number): number {
  return 2 ** Math.ceil(Math.log2(count));
}

/** A prepared statement that writes; returns mysql2's result header. */
async function run(
  target: MysqlQueryable,
  sql: string,
  values: MysqlValue[],
): Promise<MysqlResultHeader> {
  const [result] = await target.execute({ sql }, values);
  return result as MysqlResultHeader;
}

/**
 * A prepared statement that reads, rows as arrays. BIGINTs come as numbers
 * when they are safe integers and as strings otherwise, whatever the pool's
 * own settings; {@link toInteger} takes both.
 */
async function select(
  target: MysqlQueryable,
  sql: string,
  values: MysqlValue[],
): Promise<unknown[][]> {
  const [rows] = await target.execute(
    { sql, rowsAsArray: true, supportBigNumbers: true, nestTables: false },
    values,
  );
  return rows as unknown[][];
}

function toInteger(value: unknown): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number)) {
    throw new Error(`Expected an integer the database holds exactly; got ${String(value)}.`);
  }
  return number;
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

function duplicateFromColumns(row: unknown[]): PublishOutcome {
  return {
    kind: 'duplicate',
    position: toInteger(row[1]),
    versions: JSON.parse(row[2] as string) as EntityVersion[],
  };
}

function delay(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
