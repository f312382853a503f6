/**
 * Projector rows: a catch-up over 100,000 events into a table of the same
 * database, beside a hand-written loop over the raw driver that does the
 * same reads, the same writes and the same checkpoint per page; and the
 * latency from a publication to the read model's update.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { EventStore } from '@factline/core';
import { PostgresProvider, type PostgresTransaction } from '@factline/postgres';
import { Projector } from '@factline/projection';
import { type SqliteDatabase, SqliteProvider } from '@factline/sqlite';
import Database from 'better-sqlite3';
import pg from 'pg';
import { type DepositStore, depositEvents } from './deposit-events.js';
import { latencyProjector } from './latency-projector.js';
import { measureRow, median, type RowResult, time } from './measure.js';

/** Events in the log the projector catches up over. */
export const catchUpEvents = 100_000;
const eventsPerPublication = 10;
const accounts = 1000;
/** Publications per page, for factline and the raw loop alike. */
const pageSize = 500;
/** Publications timed one by one for the latency figures. */
const latencySamples = 300;

export const projectionNotes: string[] = [
  `catch-up: ${catchUpEvents.toLocaleString('en-US')} Deposited events (${eventsPerPublication} per publication, ${accounts} accounts) into a totals table of the same database, ${pageSize} publications per page; ` +
    'raw: the same page query for what a hand-written projection needs (position and id for the checkpoint, name to pick the handler, details), JSON.parse, one upsert per event and the checkpoint upsert in one transaction per page.',
];

type Total = { account: string; total: number; deposits: number };

function totals(db: SqliteDatabase | Database.Database): Total[] {
  return db
    .prepare('SELECT account, total, deposits FROM totals ORDER BY account')
    .all() as Total[];
}

/**
 * A check that every catch-up trial, of either contender, built the totals
 * the first one built.
 */
function sameTotalsCheck(): (totals: readonly Total[]) => void {
  let expected: string | undefined;
  return (totals) => {
    const actual = JSON.stringify(totals);
    expected ??= actual;
    if (actual !== expected) {
      throw new Error('The projector and the raw loop built different totals.');
    }
  };
}

const upsertTotal = `INSERT INTO totals (account, total, deposits) VALUES (?, ?, 1)
  ON CONFLICT (account) DO UPDATE SET total = total + excluded.total, deposits = deposits + 1`;

async function writeFixture(store: DepositStore): Promise<void> {
  for (let publication = 0; publication < catchUpEvents / eventsPerPublication; publication++) {
    const account = `account-${publication % accounts}`;
    await store.publish({
      actor: 'bench',
      entities: [
        {
          id: account,
          type: 'Account',
          expectedVersion: 'any',
          events: Array.from({ length: eventsPerPublication }, (_, index) => ({
            name: 'Deposited' as const,
            details: { account, amount: 1 + ((publication * 7 + index) % 100) },
          })),
        },
      ],
    });
  }
}

/** A row of the raw loops' page query: position, id, name, details. */
type RawRow = [position: number, id: string, name: string, details: string];

/** The hand-written loop: pages by position, upserts and the checkpoint in one transaction. */
function rawCatchUp(db: Database.Database): number {
  const page = db
    .prepare(
      'SELECT position, id, name, details FROM Events WHERE position > ? AND position <= ? ORDER BY position, rowid',
    )
    .raw(true);
  const upsert = db.prepare(upsertTotal);
  const checkpoint = db.prepare(
    `INSERT INTO Projections (source, position, projector, event_id, updated_at) VALUES ('default', ?, 'raw', ?, ?)
     ON CONFLICT (projector, source) DO UPDATE SET position = excluded.position, event_id = excluded.event_id, updated_at = excluded.updated_at`,
  );
  const apply = db.transaction((rows: RawRow[]) => {
    for (const row of rows) {
      if (row[2] !== 'Deposited') continue;
      const details = JSON.parse(row[3]) as { account: string; amount: number };
      upsert.run(details.account, details.amount);
    }
    const last = rows[rows.length - 1] as RawRow;
    checkpoint.run(last[0], last[1], Date.now() / 86_400_000);
  });
  let after = 0;
  let handled = 0;
  while (true) {
    const rows = page.all(after, after + pageSize) as RawRow[];
    if (rows.length === 0) return handled;
    apply.immediate(rows);
    handled += rows.length;
    after = (rows[rows.length - 1] as RawRow)[0];
  }
}

/**
 * Measures the projector rows.
 *
 * @param log Progress messages.
 * @param include Whether a row is wanted.
 * @returns One result per row measured.
 */
export async function projectionRows(
  log: (message: string) => void,
  include: (row: string) => boolean,
): Promise<RowResult[]> {
  const results: RowResult[] = [];
  const directory = mkdtempSync(join(tmpdir(), 'factline-bench-projections-'));
  try {
    const file = join(directory, 'projections.sqlite');
    const provider = new SqliteProvider({ database: file });
    const store = new EventStore({ provider, events: depositEvents });
    await store.migrate();
    const name = `SQLite: projector catch-up, ${catchUpEvents.toLocaleString('en-US')} events (factline vs raw loop)`;
    if (include(name)) {
      log('  SQLite projector fixture');
      await writeFixture(store);
      provider.database.exec(
        'CREATE TABLE totals (account TEXT PRIMARY KEY, total INT NOT NULL, deposits INT NOT NULL)',
      );
      const raw = new Database(file);
      const upsert = provider.database.prepare(upsertTotal);
      // A new projector per trial, as a process starting from an empty read model has.
      const projector = () =>
        new Projector({
          name: 'totals',
          store,
          storage: provider,
          pageSize,
          handlers: {
            Deposited: (event) => {
              upsert.run(event.details.account, event.details.amount);
            },
          },
        });
      const check = sameTotalsCheck();
      log('  SQLite projector catch-up');
      results.push(
        await measureRow({
          name,
          events: catchUpEvents,
          factline: async () => {
            provider.database.exec('DELETE FROM totals');
            await provider.resetCheckpoint({ projector: 'totals', source: 'default' });
            const run = projector();
            const milliseconds = await time(() => run.runUntilCaughtUp());
            check(totals(provider.database));
            return milliseconds;
          },
          raw: async () => {
            raw.exec("DELETE FROM totals; DELETE FROM Projections WHERE projector = 'raw'");
            const milliseconds = await time(() => rawCatchUp(raw));
            check(totals(raw));
            return milliseconds;
          },
          warmups: 2,
          runs: 9,
        }),
      );
      raw.close();
    }
    const latencyName = 'SQLite: latency';
    if (include(latencyName)) {
      log('  SQLite projector latency');
      projectionNotes.push(await sqliteLatency(store, provider));
    }
    await store.close();
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }
  await postgresRows(log, include, results);
  return results;
}

const postgresUrl = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** The PostgreSQL rows: the same catch-up, and latency in one process and across processes. */
async function postgresRows(
  log: (message: string) => void,
  include: (row: string) => boolean,
  results: RowResult[],
): Promise<void> {
  const name = `PostgreSQL: projector catch-up, ${catchUpEvents.toLocaleString('en-US')} events (factline vs raw loop)`;
  const wantsLatency = include('PostgreSQL: latency');
  if (!include(name) && !wantsLatency) return;
  const schema = `factline_bench_projections_${process.pid}`;
  const pool = new pg.Pool({ connectionString: postgresUrl, max: 4 });
  try {
    await pool.query('SELECT 1');
  } catch {
    projectionNotes.push(
      `PostgreSQL at ${postgresUrl} did not answer: its projector rows were skipped.`,
    );
    await pool.end();
    return;
  }
  const provider = new PostgresProvider({ pool, schema });
  const store = new EventStore({ provider, events: depositEvents });
  try {
    await store.migrate();
    const totalsTable = `"${schema}".totals`;
    const upsert = `INSERT INTO ${totalsTable} (account, total, deposits) VALUES ($1, $2, 1)
      ON CONFLICT (account) DO UPDATE SET total = ${totalsTable}.total + EXCLUDED.total, deposits = ${totalsTable}.deposits + 1`;
    if (include(name)) {
      log('  PostgreSQL projector fixture');
      await writeFixture(store);
      await pool.query(
        `CREATE TABLE ${totalsTable} (account TEXT PRIMARY KEY, total BIGINT NOT NULL, deposits BIGINT NOT NULL)`,
      );
      await pool.query(`ANALYZE "${schema}"."Events"`);
      const readTotals = async () =>
        (
          await pool.query(
            `SELECT account, total::int, deposits::int FROM ${totalsTable} ORDER BY account`,
          )
        ).rows as Total[];
      const check = sameTotalsCheck();
      const upsertQuery = { name: 'bench-totals-upsert', text: upsert };
      log('  PostgreSQL projector catch-up');
      results.push(
        await measureRow({
          name,
          events: catchUpEvents,
          factline: async () => {
            await pool.query(`DELETE FROM ${totalsTable}`);
            await provider.resetCheckpoint({ projector: 'totals', source: 'default' });
            const projector = new Projector({
              name: 'totals',
              store,
              storage: provider,
              pageSize,
              handlers: {
                Deposited: async (event, tx: PostgresTransaction) => {
                  await tx.query({
                    ...upsertQuery,
                    values: [event.details.account, event.details.amount],
                  });
                },
              },
            });
            const milliseconds = await time(() => projector.runUntilCaughtUp());
            check(await readTotals());
            return milliseconds;
          },
          raw: async () => {
            await pool.query(`DELETE FROM ${totalsTable}`);
            const milliseconds = await time(() => rawPostgresCatchUp(pool, schema, upsertQuery));
            check(await readTotals());
            return milliseconds;
          },
          warmups: 1,
          runs: 3,
        }),
      );
    }
    if (wantsLatency) {
      log('  PostgreSQL projector latency');
      projectionNotes.push(await postgresLatency(store, provider, schema));
    }
  } finally {
    await store.close();
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await pool.end();
  }
}

/** The hand-written loop on pg: page query, one upsert per event and the checkpoint, per page. */
async function rawPostgresCatchUp(
  pool: pg.Pool,
  schema: string,
  upsert: { name: string; text: string },
): Promise<number> {
  const client = await pool.connect();
  const page = {
    name: 'bench-raw-page',
    text: `SELECT position, id, name, details FROM "${schema}"."Events" WHERE position > $1 AND position <= $2 ORDER BY position, id`,
    rowMode: 'array' as const,
  };
  const checkpoint = {
    name: 'bench-raw-checkpoint',
    text: `INSERT INTO "${schema}"."Projections" (source, position, projector, event_id, updated_at) VALUES ('default', $1, 'raw', $2, $3)
      ON CONFLICT (projector, source) DO UPDATE SET position = EXCLUDED.position, event_id = EXCLUDED.event_id, updated_at = EXCLUDED.updated_at`,
  };
  try {
    let after = 0;
    let handled = 0;
    while (true) {
      const { rows } = await client.query<[string, string, string, string]>({
        ...page,
        values: [after, after + pageSize],
      });
      if (rows.length === 0) return handled;
      await client.query('BEGIN');
      for (const row of rows) {
        if (row[2] !== 'Deposited') continue;
        const details = JSON.parse(row[3]) as { account: string; amount: number };
        await client.query({ ...upsert, values: [details.account, details.amount] });
      }
      const last = rows[rows.length - 1] as [string, string, string, string];
      await client.query({ ...checkpoint, values: [last[0], last[1], Date.now() / 86_400_000] });
      await client.query('COMMIT');
      handled += rows.length;
      after = Number(last[0]);
    }
  } finally {
    client.release();
  }
}

/**
 * Publication → read model on PostgreSQL: a projector in this process, and
 * one in another process woken by LISTEN/NOTIFY; median and p99.
 */
async function postgresLatency(
  store: DepositStore,
  provider: PostgresProvider,
  schema: string,
): Promise<string> {
  const seen = new Map<number, number>();
  const projector = latencyProjector('latency', store, provider, (report) =>
    seen.set(report.to, performance.timeOrigin + performance.now()),
  );
  await projector.runUntilCaughtUp();
  const running = projector.start();
  const local = await timePublications(store, seen);
  await projector.stop();
  await running;

  // Another process: the worker prints when each page commits.
  const remoteSeen = new Map<number, number>();
  const worker = spawn(
    process.execPath,
    [
      ...process.execArgv,
      fileURLToPath(new URL('./projection-latency-worker.ts', import.meta.url)),
    ],
    {
      env: { ...process.env, BENCH_SCHEMA: schema, POSTGRES_URL: postgresUrl },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  createInterface({ input: worker.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    const message = JSON.parse(line) as { to?: number; at?: number; ready?: boolean };
    if (message.to !== undefined && message.at !== undefined)
      remoteSeen.set(message.to, message.at);
    if (message.ready) remoteSeen.set(-1, 0);
  });
  while (!remoteSeen.has(-1)) await new Promise((resolve) => setTimeout(resolve, 10));
  // Its LISTEN goes out as it starts following: give it a moment.
  await new Promise((resolve) => setTimeout(resolve, 500));
  const remote = await timePublications(store, remoteSeen);
  worker.kill('SIGTERM');
  await new Promise((resolve) => worker.on('exit', resolve));
  return (
    `PostgreSQL latency, publication → read model committed (${latencySamples} publications, poll interval 1,000 ms): ` +
    `same process median ${local.median.toFixed(2)} ms, p99 ${local.p99.toFixed(2)} ms; ` +
    `another process (woken by LISTEN/NOTIFY) median ${remote.median.toFixed(2)} ms, p99 ${remote.p99.toFixed(2)} ms (the publish itself included).`
  );
}

/**
 * Publishes one event at a time and waits until `seen` has its position:
 * the wall-clock time (`performance.timeOrigin + performance.now()`) its
 * page committed.
 */
async function timePublications(
  store: DepositStore,
  seen: Map<number, number>,
): Promise<{ median: number; p99: number }> {
  const latencies: number[] = [];
  for (let sample = 0; sample < latencySamples; sample++) {
    const started = performance.timeOrigin + performance.now();
    const { position } = await store.publish({
      actor: 'bench',
      entities: [
        {
          id: 'latency',
          type: 'Account',
          expectedVersion: 'any',
          events: [{ name: 'Deposited', details: { account: 'latency', amount: sample } }],
        },
      ],
    });
    const deadline = Date.now() + 5000;
    while (!seen.has(position)) {
      if (Date.now() > deadline)
        throw new Error(`Position ${position} was not projected within 5 s.`);
      await new Promise((resolve) => setImmediate(resolve));
    }
    latencies.push((seen.get(position) as number) - started);
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  return { median: median(latencies), p99: sorted[Math.floor(sorted.length * 0.99)] as number };
}

/** Publication → read model, in one process: median and p99 over single publications. */
async function sqliteLatency(store: DepositStore, provider: SqliteProvider): Promise<string> {
  provider.database.exec(
    'CREATE TABLE IF NOT EXISTS latest (id INTEGER PRIMARY KEY CHECK (id = 1), amount INT NOT NULL)',
  );
  const seen = new Map<number, number>();
  const projector = new Projector({
    name: 'latency',
    store,
    storage: provider,
    pollInterval: 1000,
    handlers: {
      Deposited: (event, db) => {
        db.prepare('INSERT OR REPLACE INTO latest (id, amount) VALUES (1, ?)').run(
          event.details.amount,
        );
      },
    },
    // Wall-clock time, as timePublications takes it (it serves the other process's figures too).
    hooks: { onPage: (report) => seen.set(report.to, performance.timeOrigin + performance.now()) },
  });
  await projector.runUntilCaughtUp();
  const running = projector.start();
  const local = await timePublications(store, seen);
  await projector.stop();
  await running;
  return (
    `SQLite latency, publication → read model committed, same process (${latencySamples} publications, poll interval 1,000 ms): ` +
    `median ${local.median.toFixed(2)} ms, p99 ${local.p99.toFixed(2)} ms (the publish itself included).`
  );
}
