/**
 * The SQLite rows: factline's EventStore on SqliteProvider against the
 * fastest honest better-sqlite3 code doing the same work on the same schema,
 * with the same pragmas (WAL, synchronous FULL), in a file in a temp dir.
 *
 * Both sides get their schema from `SqliteProvider.migrate()`, so the tables
 * and indexes are the provider's own.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineEvents, EventStore } from '@factline/core';
import { SqliteProvider } from '@factline/sqlite';
import Database from 'better-sqlite3';
import * as v from 'valibot';
import { measureRow, type RowPlan, type RowResult, time } from './measure.js';

/** 10,000 events per write row and per read of one entity. */
const eventCount = 10_000;
/** Write rows spread publications round-robin over this many entities. */
const entityCount = 100;
const millisecondsPerDay = 86_400_000;
/**
 * synchronous FULL (the provider's default) by default; `BENCH_SQLITE_SYNCHRONOUS=normal`
 * takes the fsync of each commit out of the write rows, to see the CPU cost alone.
 */
const synchronous = process.env.BENCH_SQLITE_SYNCHRONOUS === 'normal' ? 'normal' : 'full';

const events = defineEvents({
  StockReceived: v.object({
    sku: v.string(),
    quantity: v.pipe(v.number(), v.integer(), v.minValue(1)),
    warehouse: v.string(),
  }),
});

/**
 * The read fixture: 10,000 one-event publications over the 100 entities,
 * interleaved with 10,000 events of one more entity in publications of 10.
 */
const bigEntity = 'product-big';
const fixtureLogSize = 2 * eventCount;
const fixturePositions = eventCount + eventCount / 10;

const entityIds = Array.from({ length: entityCount }, (_, index) => `product-${index}`);

/** The details of the n-th event: the same values on both sides. */
function detailsOf(n: number) {
  return { sku: `SKU-${n % 1000}`, quantity: 1 + (n % 7), warehouse: 'north' };
}

/** The better-sqlite3 version, for the table's title. */
export function sqliteTitle(): string {
  for (const name of ['@factline/core', '@factline/sqlite']) {
    const resolved = import.meta.resolve(name);
    if (!resolved.endsWith('/src/index.ts')) {
      throw new Error(
        `${name} resolves to ${resolved}, not its sources: run with tsconfig.json's paths.`,
      );
    }
  }
  const require = createRequire(import.meta.url);
  const driver = require('better-sqlite3/package.json') as { version: string };
  const sqlite = new Database(':memory:');
  const version = sqlite.prepare('SELECT sqlite_version()').pluck().get() as string;
  sqlite.close();
  return `SQLite ${version}, better-sqlite3 ${driver.version} — WAL, synchronous ${synchronous.toUpperCase()}, file in ${tmpdir()}`;
}

const appendRowName = (perPublication: number) =>
  `append ${formatCount(eventCount)} events, ${perPublication}/publication, ${entityCount} entities`;
const readEntityRowName = `readEntity: 1 entity of ${formatCount(eventCount)} events`;
const readAllRowName = `readAll: log of ${formatCount(fixtureLogSize)} events`;

function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** What the SQLite rows do. */
export const sqliteNotes: readonly string[] = [
  `append: one transaction (BEGIN IMMEDIATE) per publication, round-robin over ${entityCount} entities;`,
  '  version compare-and-set, position max+1, insert; factline also validates (valibot) and checks the JSON.',
  `readEntity: one entity's ${formatCount(eventCount)} events in ordinal order, JSON parsed, Date timestamps.`,
  `readAll: the whole log (${formatCount(fixtureLogSize)} events, ${formatCount(fixturePositions)} publications) in position order,`,
  '  500 publications per page; factline through `for await` over readAll().',
];

/**
 * Measures the SQLite rows.
 *
 * @param log Where to say what is running.
 * @param include Which rows to run, by name.
 * @returns One result per row, in table order.
 */
export async function sqliteRows(
  log: (message: string) => void,
  include: (row: string) => boolean,
): Promise<RowResult[]> {
  const directory = mkdtempSync(join(tmpdir(), 'factline-bench-'));
  let fileCount = 0;
  const freshFile = () => join(directory, `db-${++fileCount}.sqlite`);
  const removeFile = (file: string) => {
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, { force: true });
  };
  try {
    const results: RowResult[] = [];
    const run = async (plan: RowPlan) => {
      if (!include(plan.name)) return;
      const started = performance.now();
      const result = await measureRow(plan);
      log(`  ${plan.name}: ${((performance.now() - started) / 1000).toFixed(1)} s`);
      results.push(result);
    };

    // Rows 1 and 2: appends, each trial on a fresh, migrated file.
    for (const perPublication of [1, 10]) {
      const append = (contender: typeof factlineAppend, total: number) => async () => {
        const file = freshFile();
        try {
          const schema = new SqliteProvider({ database: file, synchronous });
          await schema.migrate();
          await schema.close();
          const milliseconds = await contender(file, total, perPublication);
          checkAppended(file, total, perPublication);
          return milliseconds;
        } finally {
          removeFile(file);
        }
      };
      await run({
        name: appendRowName(perPublication),
        events: eventCount,
        factline: append(factlineAppend, eventCount),
        raw: append(rawAppend, eventCount),
        warmupFactline: append(factlineAppend, 2_000),
        warmupRaw: append(rawAppend, 2_000),
        warmups: 1,
        runs: perPublication === 1 ? 5 : 9,
      });
    }

    // Rows 3 and 4: reads of one fixture, written once by factline.
    if (!include(readEntityRowName) && !include(readAllRowName)) return results;
    const fixture = freshFile();
    await writeReadFixture(fixture);
    const factlineReader = new EventStore({
      provider: new SqliteProvider({ database: fixture, synchronous }),
      events,
    });
    const rawReader = openRaw(fixture);
    try {
      await run({
        name: readEntityRowName,
        events: eventCount,
        factline: () => factlineReadEntity(factlineReader),
        raw: () => rawReadEntity(rawReader),
        warmups: 5,
        runs: 21,
      });
      await run({
        name: readAllRowName,
        events: fixtureLogSize,
        factline: () => factlineReadAll(factlineReader),
        raw: () => rawReadAll(rawReader),
        warmups: 5,
        runs: 21,
      });
    } finally {
      await factlineReader.close();
      rawReader.close();
    }
    return results;
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------- appends

/**
 * factline: one `publish` per publication, to entity `n % 100`, expecting
 * `'new'` first and then the version the previous publish returned.
 */
async function factlineAppend(
  file: string,
  total: number,
  perPublication: number,
): Promise<number> {
  const store = new EventStore({
    provider: new SqliteProvider({ database: file, synchronous }),
    events,
  });
  const versions: number[] = new Array(entityCount).fill(-1);
  try {
    return await time(async () => {
      for (let publication = 0, n = 0; n < total; publication++) {
        const entity = publication % entityCount;
        const batch = [];
        for (let index = 0; index < perPublication; index++) {
          batch.push({ name: 'StockReceived' as const, details: detailsOf(n++) });
        }
        const version = versions[entity] as number;
        const result = await store.publish({
          actor: 'user:bench',
          entities: [
            {
              id: entityIds[entity] as string,
              type: 'Product',
              expectedVersion: version < 0 ? 'new' : version,
              events: batch,
            },
          ],
        });
        versions[entity] = (result.versions[0] as { version: number }).version;
      }
    });
  } finally {
    await store.close();
  }
}

/** A UUID v7 (48-bit millisecond time, version 7, random rest) — the cheapest honest one. */
function rawUuidV7(millis: number): string {
  const time = millis.toString(16).padStart(12, '0');
  // randomUUID(): xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx; keep its random and variant bits.
  return `${time.slice(0, 8)}-${time.slice(8)}-7${randomUUID().slice(15)}`;
}

/**
 * Raw better-sqlite3: per publication BEGIN IMMEDIATE; compare-and-set the
 * entity's version (INSERT … ON CONFLICT DO NOTHING for a new one, UPDATE …
 * WHERE version = ? AND type = ? otherwise), check the row count, allocate
 * max(position)+1, insert the events, COMMIT — prepared statements throughout.
 */
async function rawAppend(file: string, total: number, perPublication: number): Promise<number> {
  const db = openRaw(file);
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  const rollback = db.prepare('ROLLBACK');
  const insertEntity = db.prepare(
    'INSERT INTO "Entities" (id, type, version) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING',
  );
  const compareAndSet = db.prepare(
    'UPDATE "Entities" SET version = ? WHERE id = ? AND version = ? AND type = ?',
  );
  const nextPosition = db.prepare('SELECT COALESCE(MAX(position), 0) + 1 FROM "Events"').pluck();
  const insertEvent = db.prepare(`INSERT INTO "Events"
    (entity_id, name, details, actor, timestamp, ordinal, position, id, schema_version, metadata)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
  const versions: number[] = new Array(entityCount).fill(-1);

  const publish = (
    entityId: string,
    type: string,
    expected: number,
    batch: readonly { name: string; details: unknown }[],
  ): number => {
    const count = batch.length;
    const millis = Date.now();
    const timestamp = millis / millisecondsPerDay;
    begin.run();
    try {
      const changes =
        expected < 0
          ? insertEntity.run(entityId, type, count - 1).changes
          : compareAndSet.run(expected + count, entityId, expected, type).changes;
      if (changes !== 1) throw new Error(`conflict on ${entityId}`);
      const position = nextPosition.get() as number;
      let ordinal = expected + 1;
      for (const event of batch) {
        insertEvent.run(
          entityId,
          event.name,
          JSON.stringify(event.details),
          'user:bench',
          timestamp,
          ordinal++,
          position,
          rawUuidV7(millis),
          1,
          null,
        );
      }
      commit.run();
      return expected + count;
    } catch (error) {
      if (db.inTransaction) rollback.run();
      throw error;
    }
  };

  try {
    return await time(() => {
      for (let publication = 0, n = 0; n < total; publication++) {
        const entity = publication % entityCount;
        const batch = [];
        for (let index = 0; index < perPublication; index++) {
          batch.push({ name: 'StockReceived', details: detailsOf(n++) });
        }
        versions[entity] = publish(
          entityIds[entity] as string,
          'Product',
          versions[entity] as number,
          batch,
        );
      }
    });
  } finally {
    db.close();
  }
}

/** Checks that a write trial stored what it should: events, positions, versions. */
function checkAppended(file: string, total: number, perPublication: number): void {
  const db = new Database(file, { readonly: true });
  try {
    const stats = db
      .prepare(
        'SELECT COUNT(*) AS events, COUNT(DISTINCT position) AS positions, MAX(position) AS head FROM "Events"',
      )
      .get() as { events: number; positions: number; head: number };
    const versionSum = db
      .prepare('SELECT SUM(version + 1) FROM "Entities"')
      .pluck()
      .get() as number;
    const publications = total / perPublication;
    if (
      stats.events !== total ||
      stats.positions !== publications ||
      stats.head !== publications ||
      versionSum !== total
    ) {
      throw new Error(
        `A write trial stored the wrong thing: ${JSON.stringify({ ...stats, versionSum })}`,
      );
    }
  } finally {
    db.close();
  }
}

// ---------------------------------------------------------------- reads

/** Writes the read fixture with factline itself (synchronous OFF: only to build it fast). */
async function writeReadFixture(file: string): Promise<void> {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const store = new EventStore({ provider: new SqliteProvider({ database: db }), events });
  await store.migrate();
  let bigVersion = -1;
  for (let n = 0; n < eventCount; n++) {
    const entity = n % entityCount;
    const round = Math.floor(n / entityCount);
    await store.publish({
      actor: 'user:bench',
      entities: [
        {
          id: entityIds[entity] as string,
          type: 'Product',
          expectedVersion: round === 0 ? 'new' : round - 1,
          events: [{ name: 'StockReceived', details: detailsOf(n) }],
        },
      ],
    });
    if (n % 10 === 9) {
      const batch = Array.from({ length: 10 }, (_, index) => ({
        name: 'StockReceived' as const,
        details: detailsOf(n + index),
      }));
      const result = await store.publish({
        actor: 'user:bench',
        entities: [
          {
            id: bigEntity,
            type: 'Product',
            expectedVersion: bigVersion < 0 ? 'new' : bigVersion,
            events: batch,
          },
        ],
      });
      bigVersion = (result.versions[0] as { version: number }).version;
    }
  }
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
}

function openRaw(file: string): Database.Database {
  const db = new Database(file, { timeout: 5000 });
  db.pragma('journal_mode = WAL');
  db.pragma(`synchronous = ${synchronous.toUpperCase()}`);
  return db;
}

/** The event shape factline returns, built by the raw readers too. */
interface ReadEvent {
  readonly id: string;
  readonly entityId: string;
  readonly name: string;
  readonly details: unknown;
  readonly ordinal: number;
  readonly position: number;
  readonly actor: string;
  readonly timestamp: Date;
  readonly schemaVersion: number;
  readonly metadata: object;
}

const noMetadata = Object.freeze({});
const rawColumns =
  'id, entity_id, name, details, ordinal, position, actor, timestamp, schema_version, metadata';
type RawRow = [
  string,
  string,
  string,
  string,
  number,
  number,
  string,
  number,
  number,
  string | null,
];

/** Raw rows come back as arrays (`.raw()`): cheaper than better-sqlite3's row objects. */
function rawEvent(row: RawRow): ReadEvent {
  return {
    id: row[0],
    entityId: row[1],
    name: row[2],
    details: JSON.parse(row[3]),
    ordinal: row[4],
    position: row[5],
    actor: row[6],
    timestamp: new Date(Math.round(row[7] * millisecondsPerDay)),
    schemaVersion: row[8],
    metadata: row[9] === null ? noMetadata : JSON.parse(row[9]),
  };
}

function checkRead(count: number, expected: number): void {
  if (count !== expected) throw new Error(`A read trial got ${count} events, not ${expected}.`);
}

async function factlineReadEntity(store: EventStore<typeof events>): Promise<number> {
  let count = 0;
  const milliseconds = await time(async () => {
    const history = await store.readEntity(bigEntity);
    for (const event of history) if (event.ordinal >= 0) count++;
  });
  checkRead(count, eventCount);
  return milliseconds;
}

const rawStatements = new WeakMap<
  Database.Database,
  { entity: Database.Statement; page: Database.Statement }
>();
function rawStatementsOf(db: Database.Database) {
  let statements = rawStatements.get(db);
  if (statements === undefined) {
    statements = {
      entity: db
        .prepare(`SELECT ${rawColumns} FROM "Events" WHERE entity_id = ? ORDER BY ordinal`)
        .raw(),
      page: db
        .prepare(
          `SELECT ${rawColumns} FROM "Events" WHERE position > ? AND position <= ? ORDER BY position, rowid`,
        )
        .raw(),
    };
    rawStatements.set(db, statements);
  }
  return statements;
}

async function rawReadEntity(db: Database.Database): Promise<number> {
  const { entity } = rawStatementsOf(db);
  let count = 0;
  const milliseconds = await time(() => {
    const rows = entity.all(bigEntity) as RawRow[];
    const history: ReadEvent[] = new Array(rows.length);
    for (let index = 0; index < rows.length; index++)
      history[index] = rawEvent(rows[index] as RawRow);
    for (const event of history) if (event.ordinal >= 0) count++;
  });
  checkRead(count, eventCount);
  return milliseconds;
}

/** factline: `for await` over `readAll()` with its default page size (500 publications). */
async function factlineReadAll(store: EventStore<typeof events>): Promise<number> {
  let count = 0;
  const milliseconds = await time(async () => {
    for await (const event of store.readAll()) if (event.position > 0) count++;
  });
  checkRead(count, fixtureLogSize);
  return milliseconds;
}

/** Raw: pages of 500 positions by position range, until a page is short. */
async function rawReadAll(db: Database.Database): Promise<number> {
  const { page } = rawStatementsOf(db);
  const pageSize = 500;
  let count = 0;
  const milliseconds = await time(() => {
    for (let after = 0; ; after += pageSize) {
      const rows = page.all(after, after + pageSize) as RawRow[];
      for (let index = 0; index < rows.length; index++) {
        const event = rawEvent(rows[index] as RawRow);
        if (event.position > 0) count++;
      }
      const last = rows[rows.length - 1];
      if (last === undefined || last[5] - after < pageSize) break;
    }
  });
  checkRead(count, fixtureLogSize);
  return milliseconds;
}
