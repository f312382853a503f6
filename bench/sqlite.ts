/**
 * The SQLite rows: factline's EventStore on SqliteProvider against the
 * fastest honest better-sqlite3 code doing the same work on the same schema,
 * with the same pragmas (WAL, synchronous FULL), in a file in a temp dir.
 *
 * Both sides get their schema from `SqliteProvider.migrate()`, so the tables
 * and indexes are the provider's own.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventStore } from '@factline/core';
import { SqliteProvider } from '@factline/sqlite';
import Database from 'better-sqlite3';
import {
  appendRowPlan,
  type Contender,
  readRowPlans,
  wantsReadRows,
} from './event-log-row-plans.js';
import { entityCount, entityIds, eventCount, formatCount } from './event-log-sizes.js';
import { factlineAppend } from './factline-append.js';
import { checkRead, factlineReadAll, factlineReadEntity } from './factline-reads.js';
import { type RowResult, time } from './measure.js';
import { rawUuidV7 } from './raw-uuid-v7.js';
import { type EventRow, eventRowColumns, readEventOf, readEventsOf } from './read-event.js';
import { bigEntity, fixtureLogSize, fixturePositions } from './read-fixture.js';
import { rowRunner } from './row-runner.js';
import { detailsOf, productPublication, stockEvents } from './stock-events.js';
import { millisecondsPerDay } from './stored-timestamp.js';

/**
 * synchronous FULL (the provider's default) by default; `BENCH_SQLITE_SYNCHRONOUS=normal`
 * takes the fsync of each commit out of the write rows, to see the CPU cost alone.
 */
const synchronous = process.env.BENCH_SQLITE_SYNCHRONOUS === 'normal' ? 'normal' : 'full';

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
    const { run, results } = rowRunner(log, include);

    // Rows 1 and 2: appends, each trial on a fresh, migrated file.
    for (const perPublication of [1, 10]) {
      const append = (contender: Contender, total: number) => {
        const body = contender === 'factline' ? factlineFileAppend : rawAppend;
        return async () => {
          const file = freshFile();
          try {
            const schema = new SqliteProvider({ database: file, synchronous });
            await schema.migrate();
            await schema.close();
            const milliseconds = await body(file, total, perPublication);
            checkAppended(file, total, perPublication);
            return milliseconds;
          } finally {
            removeFile(file);
          }
        };
      };
      await run(appendRowPlan(perPublication, append, perPublication === 1 ? 5 : 9));
    }

    // Rows 3 and 4: reads of one fixture, written once by factline.
    if (!wantsReadRows(include)) return results;
    const fixture = freshFile();
    await writeReadFixture(fixture);
    const factlineReader = new EventStore({
      provider: new SqliteProvider({ database: fixture, synchronous }),
      events: stockEvents,
    });
    const rawReader = openRaw(fixture);
    try {
      const plans = readRowPlans(
        {
          readEntity: {
            factline: () => factlineReadEntity(factlineReader),
            raw: () => rawReadEntity(rawReader),
          },
          readAll: {
            factline: () => factlineReadAll(factlineReader),
            raw: () => rawReadAll(rawReader),
          },
        },
        21,
      );
      for (const plan of plans) await run(plan);
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

/** factline: {@link factlineAppend} on a store of its own over the file, as a new process has. */
async function factlineFileAppend(
  file: string,
  total: number,
  perPublication: number,
): Promise<number> {
  const store = new EventStore({
    provider: new SqliteProvider({ database: file, synchronous }),
    events: stockEvents,
  });
  try {
    return await factlineAppend(store, total, perPublication);
  } finally {
    await store.close();
  }
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
  const store = new EventStore({
    provider: new SqliteProvider({ database: db }),
    events: stockEvents,
  });
  await store.migrate();
  let bigVersion = -1;
  for (let n = 0; n < eventCount; n++) {
    const entity = n % entityCount;
    const round = Math.floor(n / entityCount);
    await store.publish(
      productPublication(entityIds[entity] as string, round === 0 ? 'new' : round - 1, [
        { name: 'StockReceived', details: detailsOf(n) },
      ]),
    );
    if (n % 10 === 9) {
      const batch = Array.from({ length: 10 }, (_, index) => ({
        name: 'StockReceived' as const,
        details: detailsOf(n + index),
      }));
      const result = await store.publish(
        productPublication(bigEntity, bigVersion < 0 ? 'new' : bigVersion, batch),
      );
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

const rawStatements = new WeakMap<
  Database.Database,
  { entity: Database.Statement; page: Database.Statement }
>();
function rawStatementsOf(db: Database.Database) {
  let statements = rawStatements.get(db);
  if (statements === undefined) {
    statements = {
      entity: db
        .prepare(`SELECT ${eventRowColumns} FROM "Events" WHERE entity_id = ? ORDER BY ordinal`)
        .raw(),
      page: db
        .prepare(
          `SELECT ${eventRowColumns} FROM "Events" WHERE position > ? AND position <= ? ORDER BY position, rowid`,
        )
        .raw(),
    };
    rawStatements.set(db, statements);
  }
  return statements;
}

/** Raw: the big entity's rows in one query, as events. */
async function rawReadEntity(db: Database.Database): Promise<number> {
  const { entity } = rawStatementsOf(db);
  let count = 0;
  const milliseconds = await time(() => {
    const history = readEventsOf(entity.all(bigEntity) as EventRow[]);
    for (const event of history) if (event.ordinal >= 0) count++;
  });
  checkRead(count, eventCount);
  return milliseconds;
}

/** Raw: pages of 500 positions by position range, until a page is short. */
async function rawReadAll(db: Database.Database): Promise<number> {
  const { page } = rawStatementsOf(db);
  const pageSize = 500;
  let count = 0;
  const milliseconds = await time(() => {
    for (let after = 0; ; after += pageSize) {
      const rows = page.all(after, after + pageSize) as EventRow[];
      for (let index = 0; index < rows.length; index++) {
        const event = readEventOf(rows[index] as EventRow);
        if (event.position > 0) count++;
      }
      const last = rows[rows.length - 1];
      if (last === undefined || last[5] - after < pageSize) break;
    }
  });
  checkRead(count, fixtureLogSize);
  return milliseconds;
}
