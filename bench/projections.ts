/**
 * Projector rows: a catch-up over 100,000 events into a table of the same
 * database, beside a hand-written loop over the raw driver that does the
 * same reads, the same writes and the same checkpoint per page; and the
 * latency from a publication to the read model's update.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineEvents, EventStore } from '@factline/core';
import { Projector } from '@factline/projection';
import { type SqliteDatabase, SqliteProvider } from '@factline/sqlite';
import Database from 'better-sqlite3';
import * as v from 'valibot';
import { measureRow, median, type RowResult, time } from './measure.js';

const events = defineEvents({
  Deposited: v.object({ account: v.string(), amount: v.number() }),
});

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
    'raw: the same page query, JSON.parse, one upsert per event and the checkpoint upsert in one transaction per page.',
];

type Total = { account: string; total: number; deposits: number };

function totals(db: SqliteDatabase | Database.Database): Total[] {
  return db
    .prepare('SELECT account, total, deposits FROM totals ORDER BY account')
    .all() as Total[];
}

const upsertTotal = `INSERT INTO totals (account, total, deposits) VALUES (?, ?, 1)
  ON CONFLICT (account) DO UPDATE SET total = total + excluded.total, deposits = deposits + 1`;

async function writeFixture(store: EventStore<typeof events>): Promise<void> {
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

/** The hand-written loop: pages by position, upserts and the checkpoint in one transaction. */
function rawCatchUp(db: Database.Database): number {
  const page = db
    .prepare(
      'SELECT position, id, details FROM Events WHERE position > ? AND position <= ? ORDER BY position, rowid',
    )
    .raw(true);
  const upsert = db.prepare(upsertTotal);
  const checkpoint = db.prepare(
    `INSERT INTO Projections (source, position, projector, event_id, updated_at) VALUES ('default', ?, 'raw', ?, ?)
     ON CONFLICT (projector, source) DO UPDATE SET position = excluded.position, event_id = excluded.event_id, updated_at = excluded.updated_at`,
  );
  const apply = db.transaction((rows: [number, string, string][]) => {
    for (const row of rows) {
      const details = JSON.parse(row[2]) as { account: string; amount: number };
      upsert.run(details.account, details.amount);
    }
    const last = rows[rows.length - 1] as [number, string, string];
    checkpoint.run(last[0], last[1], Date.now() / 86_400_000);
  });
  let after = 0;
  let handled = 0;
  while (true) {
    const rows = page.all(after, after + pageSize) as [number, string, string][];
    if (rows.length === 0) return handled;
    apply.immediate(rows);
    handled += rows.length;
    after = (rows[rows.length - 1] as [number, string, string])[0];
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
    const store = new EventStore({ provider, events });
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
      let expected: Total[] | undefined;
      const check = (actual: Total[]) => {
        expected ??= actual;
        if (JSON.stringify(actual) !== JSON.stringify(expected)) {
          throw new Error('The projector and the raw loop built different totals.');
        }
      };
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
          warmups: 1,
          runs: 5,
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
  return results;
}

/** Publication → read model, in one process: median and p99 over single publications. */
async function sqliteLatency(
  store: EventStore<typeof events>,
  provider: SqliteProvider,
): Promise<string> {
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
    hooks: { onPage: (report) => seen.set(report.to, performance.now()) },
  });
  await projector.runUntilCaughtUp();
  const running = projector.start();
  const latencies: number[] = [];
  for (let sample = 0; sample < latencySamples; sample++) {
    const started = performance.now();
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
    while (!seen.has(position)) await new Promise((resolve) => setImmediate(resolve));
    latencies.push((seen.get(position) as number) - started);
  }
  await projector.stop();
  await running;
  const sorted = [...latencies].sort((a, b) => a - b);
  const p99 = sorted[Math.floor(sorted.length * 0.99)] as number;
  return (
    `SQLite latency, publication → read model committed, same process (${latencySamples} publications, poll interval 1,000 ms): ` +
    `median ${median(latencies).toFixed(2)} ms, p99 ${p99.toFixed(2)} ms (the publish itself included).`
  );
}
