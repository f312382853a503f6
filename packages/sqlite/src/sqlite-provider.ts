import type {
  CheckpointKey,
  CheckpointRow,
  CheckpointUpdate,
  EntityRow,
  EntityVersion,
  EntityWrite,
  EventRow,
  FoldRow,
  LeaseRequest,
  PackedEventRow,
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
  InvalidArgumentError,
  ProviderError,
  toProtocolTimestamp,
  WorkFailure,
} from '@factline/core';
import Database from 'better-sqlite3';
import type { SqliteConfig } from './sqlite-config.js';
import type { SqliteDatabase, SqliteStatement } from './sqlite-database.js';
import { SqliteProjectionStorage } from './sqlite-projection-storage.js';
import { type SqliteStatements, sqliteStatements } from './sqlite-statements.js';

const tablePrefixPattern = /^[A-Za-z_][A-Za-z0-9_]*$|^$/;

/** An `Events` row in `raw` mode, columns in the order of `eventColumns` in sqlite-statements.ts. */
type EventColumns = [
  string,
  string,
  string,
  number,
  string,
  string,
  number,
  number,
  number,
  string | null,
];

/** Runs a publication's work, which must not return a promise: the transaction is synchronous. */
function runSynchronously(
  work: PublicationWork<SqliteDatabase>,
  database: SqliteDatabase,
  published: { readonly position: number; readonly versions: readonly EntityVersion[] },
): void {
  let result: unknown;
  try {
    result = work(database, published);
  } catch (error) {
    throw new WorkFailure(error);
  }
  if (
    result !== null &&
    typeof result === 'object' &&
    typeof (result as { then?: unknown }).then === 'function'
  ) {
    (result as Promise<void>).catch(() => undefined);
    throw new WorkFailure(
      new InvalidArgumentError(
        'An inline projection handler returned a promise, but SQLite transactions are synchronous: ' +
          'its writes after the first await would escape the publication. Make the handler synchronous.',
      ),
    );
  }
}

/** Thrown inside a transaction to roll it back with an outcome to return. */
class Rollback {
  constructor(readonly outcome: PublishOutcome) {}
}

/**
 * The embedded default: events in one SQLite file, through better-sqlite3.
 *
 * Writers are serialised by `BEGIN IMMEDIATE` (across processes too, waiting
 * up to `busyTimeout`), so positions are allocated in commit order; the
 * database is put in WAL mode so readers never block writers.
 *
 * @example
 * ```ts
 * const provider = new SqliteProvider({ database: 'shop.db' });
 * ```
 */
export class SqliteProvider implements Provider<SqliteDatabase>, ProjectionStorage<SqliteDatabase> {
  readonly name = 'sqlite';
  /** The better-sqlite3 database, for read models that share it. */
  readonly database: SqliteDatabase;
  readonly #ownsDatabase: boolean;
  readonly #sql: SqliteStatements;
  readonly #statements = new Map<string, SqliteStatement>();
  readonly #projections: SqliteProjectionStorage;
  #publish:
    | ((publication: PublicationRecord, work?: PublicationWork<SqliteDatabase>) => PublishOutcome)
    | undefined;
  #readEntity: ((...params: unknown[]) => EventRow[]) | undefined;
  #readPositions: ((...params: unknown[]) => EventRow[]) | undefined;
  #readFoldRows: SqliteStatement | undefined;
  #readPackedPositions: SqliteStatement | undefined;

  /**
   * @param config A path, `':memory:'` or your own `Database`; a table prefix.
   */
  constructor(config: SqliteConfig) {
    const prefix = config.tablePrefix ?? '';
    if (!tablePrefixPattern.test(prefix)) {
      throw new InvalidArgumentError(
        `tablePrefix may hold only letters, digits and underscores; got ${JSON.stringify(prefix)}.`,
      );
    }
    this.#sql = sqliteStatements(prefix);
    if (typeof config.database === 'string') {
      try {
        this.database = new Database(config.database, {
          timeout: config.busyTimeout ?? 5000,
        }) as unknown as SqliteDatabase;
        if (!this.database.memory) this.database.pragma('journal_mode = WAL');
        this.database.pragma(
          `synchronous = ${config.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`,
        );
      } catch (error) {
        throw new ProviderError(this.name, 'open', error);
      }
      this.#ownsDatabase = true;
    } else {
      this.database = config.database;
      this.#ownsDatabase = false;
    }
    this.#projections = new SqliteProjectionStorage(this.database, prefix);
  }

  async migrate(): Promise<void> {
    const sql = this.#sql;
    const db = this.database;
    db.exec(sql.migrationsTable);
    db.transaction(() => {
      const current = this.#statement(sql.currentMigration).pluck().get() as number;
      for (const migration of sql.migrations) {
        if (migration.version <= current) continue;
        db.exec(migration.sql);
        this.#statement(sql.recordMigration).run(
          migration.version,
          migration.description,
          toProtocolTimestamp(new Date()),
        );
      }
    }).immediate();
  }

  /** Inline work here gets the `Database` inside `BEGIN IMMEDIATE`, and must be synchronous. */
  async publish(
    publication: PublicationRecord,
    work?: PublicationWork<SqliteDatabase>,
  ): Promise<PublishOutcome> {
    this.#publish ??= this.#createPublish();
    return this.#publish(publication, work);
  }

  async readEntity(entityId: string, after: number, upTo: number): Promise<EventRow[]> {
    this.#readEntity ??= this.#prepareRead(this.#sql.readEntity);
    return this.#readEntity(entityId, after, upTo);
  }

  async readFoldRows(entityId: string, after: number, upTo: number): Promise<FoldRow[]> {
    // One column, plucked: each row is a string, with no array built around it.
    this.#readFoldRows ??= this.database.prepare(this.#sql.readFoldRows).pluck();
    return this.#readFoldRows.all(entityId, after, upTo) as FoldRow[];
  }

  async readPositions(after: number, count: number): Promise<EventRow[]> {
    this.#readPositions ??= this.#prepareRead(this.#sql.readPositions);
    return this.#readPositions(after, after + count);
  }

  async readPackedPositions(after: number, count: number): Promise<PackedEventRow[]> {
    // One column, plucked: each row is a string, with no array built around it.
    this.#readPackedPositions ??= this.database
      .prepare(
        hasConcat(this.database)
          ? this.#sql.readPackedPositions
          : this.#sql.readPackedPositionsChained,
      )
      .pluck();
    return this.#readPackedPositions.all(after, after + count) as PackedEventRow[];
  }

  async headPosition(): Promise<number> {
    return this.#statement(this.#sql.headPosition).pluck().get() as number;
  }

  async getEntity(entityId: string): Promise<EntityRow | undefined> {
    return this.#statement(this.#sql.getEntity).get(entityId) as EntityRow | undefined;
  }

  async readSnapshot(entityId: string): Promise<SnapshotRow | undefined> {
    return this.#statement(this.#sql.readSnapshot).get(entityId) as SnapshotRow | undefined;
  }

  /**
   * Three statements (an embedded database has no round trips to save), the
   * snapshot first: the entity and events read after it are at least as new.
   */
  async readSnapshotAndTail(
    entityId: string,
    type: string,
    schemaVersion: number,
  ): Promise<SnapshotAndTailRows> {
    const stored = await this.readSnapshot(entityId);
    const snapshot =
      stored?.type === type && stored.schemaVersion === schemaVersion ? stored : undefined;
    return {
      entity: await this.getEntity(entityId),
      snapshot,
      tail: await this.readFoldRows(entityId, snapshot?.version ?? -1, Number.MAX_SAFE_INTEGER),
    };
  }

  async writeSnapshot(row: SnapshotRow): Promise<void> {
    this.#statement(this.#sql.writeSnapshot).run(
      row.entityId,
      row.type,
      row.version,
      row.schemaVersion,
      row.state,
      row.takenAt,
    );
  }

  readCheckpoint(key: CheckpointKey): Promise<CheckpointRow | undefined> {
    return this.#projections.readCheckpoint(key);
  }

  /** Read-model work here gets the `Database` inside `BEGIN IMMEDIATE`, and must be synchronous. */
  commitCheckpoint(
    update: CheckpointUpdate,
    work?: TransactionWork<SqliteDatabase>,
  ): Promise<boolean> {
    return this.#projections.commitCheckpoint(update, work);
  }

  resetCheckpoint(key: CheckpointKey, work?: TransactionWork<SqliteDatabase>): Promise<void> {
    return this.#projections.resetCheckpoint(key, work);
  }

  acquireLease(request: LeaseRequest): Promise<boolean> {
    return this.#projections.acquireLease(request);
  }

  releaseLease(projector: string, owner: string): Promise<void> {
    return this.#projections.releaseLease(projector, owner);
  }

  async close(): Promise<void> {
    if (this.#ownsDatabase && this.database.open) this.database.close();
  }

  /** Prepares a statement once per provider and reuses it. */
  #statement(sql: string): SqliteStatement {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.database.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /**
   * Prepares a query of `Events` rows. better-sqlite3 builds a row object
   * through the V8 API one property at a time, which costs more than the
   * query itself; rows fetched as arrays (`raw` mode) and turned into objects
   * here are much cheaper. A driver without `raw` gets the row objects as is.
   */
  #prepareRead(sql: string): (...params: unknown[]) => EventRow[] {
    const statement = this.database.prepare(sql);
    if (typeof statement.raw !== 'function') {
      return (...params) => statement.all(...params) as EventRow[];
    }
    statement.raw(true);
    return (...params) => {
      // Each array is replaced by its object in place: no second list, and
      // the arrays become garbage while the page is still being built.
      const rows = statement.all(...params) as (EventColumns | EventRow)[];
      for (let index = 0; index < rows.length; index++) {
        const row = rows[index] as EventColumns;
        rows[index] = {
          id: row[0],
          entityId: row[1],
          name: row[2],
          schemaVersion: row[3],
          details: row[4],
          actor: row[5],
          timestamp: row[6],
          ordinal: row[7],
          position: row[8],
          metadata: row[9],
        };
      }
      return rows as EventRow[];
    };
  }

  #createPublish(): (
    publication: PublicationRecord,
    work?: PublicationWork<SqliteDatabase>,
  ) => PublishOutcome {
    const sql = this.#sql;
    const findCommand = this.database.prepare(sql.findCommand);
    const insertCommand = this.database.prepare(sql.insertCommand);
    const nextPosition = this.database.prepare(sql.nextPosition).pluck();
    const insertEvent = this.database.prepare(sql.insertEvent);
    const transaction = this.database.transaction(
      (publication: PublicationRecord, work: PublicationWork<SqliteDatabase> | undefined) => {
        if (publication.commandId !== null) {
          const previous = findCommand.get(publication.commandId) as
            | { position: number; versions: string }
            | undefined;
          if (previous !== undefined) {
            return {
              kind: 'duplicate',
              position: previous.position,
              versions: JSON.parse(previous.versions) as EntityVersion[],
            } satisfies PublishOutcome;
          }
        }
        const versions: EntityVersion[] = [];
        const firstOrdinals: number[] = [];
        for (const entity of publication.entities) {
          const first = this.#compareAndSet(entity);
          firstOrdinals.push(first);
          versions.push({ id: entity.id, version: first + entity.events.length - 1 });
        }
        // The position is allocated last, under the write lock held to commit.
        const position = nextPosition.get() as number;
        publication.entities.forEach((entity, index) => {
          let ordinal = firstOrdinals[index] as number;
          for (const event of entity.events) {
            insertEvent.run(
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
            );
          }
        });
        if (publication.commandId !== null) {
          insertCommand.run(publication.commandId, position, JSON.stringify(versions));
        }
        if (work !== undefined) runSynchronously(work, this.database, { position, versions });
        return { kind: 'published', position, versions } satisfies PublishOutcome;
      },
    );
    return (publication, work) => {
      try {
        return transaction.immediate(publication, work);
      } catch (error) {
        if (error instanceof Rollback) return error.outcome;
        if (error instanceof WorkFailure) throw error.cause;
        throw new ProviderError(this.name, 'publish', error);
      }
    };
  }

  /**
   * Moves an entity's version past the new events if it is where the
   * publication expects it, else rolls the publication back.
   *
   * @returns The ordinal of the entity's first new event.
   */
  #compareAndSet(entity: EntityWrite): number {
    const count = entity.events.length;
    const { expectedVersion } = entity;
    if (expectedVersion === 'new') {
      const inserted = this.#statement(this.#sql.insertNewEntity).run(
        entity.id,
        entity.type,
        count - 1,
      );
      if (inserted.changes === 1) return 0;
      throw this.#rejection(entity);
    }
    if (expectedVersion === 'any') {
      const stored = this.#statement(this.#sql.getEntity).get(entity.id) as EntityRow | undefined;
      if (stored === undefined) {
        this.#statement(this.#sql.insertNewEntity).run(entity.id, entity.type, count - 1);
        return 0;
      }
      if (stored.type !== entity.type) throw this.#rejection(entity);
      this.#statement(this.#sql.compareAndSetVersion).run(
        stored.version + count,
        entity.id,
        stored.version,
        entity.type,
      );
      return stored.version + 1;
    }
    const updated = this.#statement(this.#sql.compareAndSetVersion).run(
      expectedVersion + count,
      entity.id,
      expectedVersion,
      entity.type,
    );
    if (updated.changes === 1) return expectedVersion + 1;
    throw this.#rejection(entity);
  }

  /** Says why a compare-and-set failed: the type differs, or the version. */
  #rejection(entity: EntityWrite): Rollback {
    const stored = this.#statement(this.#sql.getEntity).get(entity.id) as EntityRow | undefined;
    if (stored !== undefined && stored.type !== entity.type) {
      return new Rollback({
        kind: 'type-mismatch',
        entityId: entity.id,
        expectedType: entity.type,
        actualType: stored.type,
      });
    }
    return new Rollback({
      kind: 'conflict',
      entityId: entity.id,
      expectedVersion: entity.expectedVersion,
      actualVersion: stored === undefined ? null : stored.version,
    });
  }
}

/** Whether the SQLite under this connection has concat() (3.44 and later). */
function hasConcat(database: SqliteDatabase): boolean {
  const version = String(database.prepare('SELECT sqlite_version()').pluck().get());
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 3 || (major === 3 && minor >= 44);
}
