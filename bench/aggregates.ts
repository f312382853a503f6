/**
 * Aggregate loads: a 10,000-event aggregate folded in full, beside a
 * hand-written loop over the raw driver's rows; and loaded from a snapshot
 * (policy: every 100 events) plus its tail, beside the full fold.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type AggregateHandlers,
  AggregateRoot,
  defineEvents,
  EventStore,
  type Provider,
  Repository,
  type SnapshotPolicy,
  type Snapshottable,
} from '@factline/core';
import { PostgresProvider } from '@factline/postgres';
import { SqliteProvider } from '@factline/sqlite';
import Database from 'better-sqlite3';
import pg from 'pg';
import * as v from 'valibot';
import { measureRow, type RowResult, time } from './measure.js';

const eventCount = 10_000;
const snapshotEvery = 100;
const entityId = 'product-bench';

const events = defineEvents({
  StockReceived: v.object({ quantity: v.number() }),
  StockReserved: v.object({ orderId: v.string(), quantity: v.number() }),
});

type ProductState = { available: number; reservations: number };

/** A product folded from its whole history, every time. */
class Product extends AggregateRoot<typeof events> implements Snapshottable<ProductState> {
  readonly type = 'Product';
  readonly events = events;
  available = 0;
  reservations = 0;
  protected readonly handlers: AggregateHandlers<typeof events> = {
    StockReceived: ({ quantity }) => {
      this.available += quantity;
    },
    StockReserved: ({ quantity }) => {
      this.available -= quantity;
      this.reservations++;
    },
  };

  toSnapshot(): ProductState {
    return { available: this.available, reservations: this.reservations };
  }

  fromSnapshot(state: ProductState): void {
    this.available = state.available;
    this.reservations = state.reservations;
  }
}

/** The same product, loaded from its latest snapshot and the events after it. */
class SnapshotProduct extends Product {
  static readonly snapshot: SnapshotPolicy = { every: snapshotEvery, version: 1 };
}

/** The hand-written fold over raw rows: the same state from (name, details) pairs. */
function rawFold(rows: Iterable<readonly [string, string]>): ProductState {
  const state = { available: 0, reservations: 0 };
  for (const [name, text] of rows) {
    const details = JSON.parse(text) as { quantity: number };
    if (name === 'StockReceived') state.available += details.quantity;
    else if (name === 'StockReserved') {
      state.available -= details.quantity;
      state.reservations++;
    } else throw new Error(`unknown event ${name}`);
  }
  return state;
}

/**
 * Writes the history (publications of 100 events) and a snapshot at the
 * last multiple of 100 before the end, so a load folds a full 100-event tail:
 * the most a policy of every 100 events ever leaves.
 */
async function writeFixture(provider: Provider): Promise<ProductState> {
  const store = new EventStore({ provider, events });
  await store.migrate();
  for (let start = 0; start < eventCount; start += 100) {
    await store.publish({
      actor: 'bench',
      entities: [
        {
          id: entityId,
          type: 'Product',
          expectedVersion: start === 0 ? 'new' : start - 1,
          events: Array.from({ length: 100 }, (_, index) =>
            (start + index) % 3 === 2
              ? {
                  name: 'StockReserved' as const,
                  details: { orderId: `o-${start + index}`, quantity: 1 },
                }
              : { name: 'StockReceived' as const, details: { quantity: 2 } },
          ),
        },
      ],
    });
  }
  const snapshotVersion = eventCount - snapshotEvery - 1;
  const past = await new Repository(store, Product).get(entityId, {
    asOf: { version: snapshotVersion },
  });
  await store.writeSnapshot({
    entityId,
    type: 'Product',
    version: snapshotVersion,
    schemaVersion: 1,
    state: past.toSnapshot(),
  });
  const full = await new Repository(store, Product).get(entityId);
  return full.toSnapshot();
}

function check(actual: ProductState, expected: ProductState): void {
  if (actual.available !== expected.available || actual.reservations !== expected.reservations) {
    throw new Error(`wrong state ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  }
}

/** Load times, filled in as the rows run, printed under the table. */
export const aggregateNotes: string[] = [
  `Loads of one ${eventCount.toLocaleString('en')}-event aggregate through Repository.get.`,
  'full fold: factline folds every event; raw: SELECT name, details ORDER BY ordinal + JSON.parse + the same reducer.',
  `snapshot: the latest snapshot (policy every ${snapshotEvery}) + a ${snapshotEvery}-event tail, beside factline's full fold; target ≥ 20×. The entity row, the snapshot and the tail come from one provider call (readSnapshotAndTail): one statement, one round trip, on PostgreSQL.`,
  'snapshot row: each trial of either contender loads once untimed, then times a load. Right after the full garbage collection each trial starts with, a load that does little is timed mostly on what the collection left cold (0.2–0.3 ms here, whatever the load).',
  'PostgreSQL: the Events table is analysed after it is written, as autovacuum would; without statistics the raw query sorts instead of reading the index in order.',
];

function noteLoadTimes(database: string, fullFold: RowResult, snapshot: RowResult): void {
  const milliseconds = (rate: number) => ((eventCount * 1000) / rate).toFixed(2);
  aggregateNotes.push(
    `${database} load time (median): full fold ${milliseconds(fullFold.factline)} ms, raw loop ${milliseconds(fullFold.raw)} ms; after an untimed load: snapshot + tail ${milliseconds(snapshot.factline)} ms, full fold ${milliseconds(snapshot.raw)} ms.`,
  );
}

/**
 * Measures the aggregate rows on SQLite and, when it answers, PostgreSQL.
 *
 * @param log Where to say what is running.
 * @param include Which rows to run, by name.
 * @returns One result per row.
 */
export async function aggregateRows(
  log: (message: string) => void,
  include: (row: string) => boolean,
): Promise<RowResult[]> {
  const results: RowResult[] = [];
  const contenders = (store: EventStore<typeof events>, raw: () => Promise<ProductState>) => {
    const full = new Repository(store, Product);
    const snapshotted = new Repository(store, SnapshotProduct);
    const loadFull = async (expected: ProductState) =>
      check((await full.get(entityId)).toSnapshot(), expected);
    const loadSnapshot = async (expected: ProductState) =>
      check((await snapshotted.get(entityId)).toSnapshot(), expected);
    /** Loads once untimed, then times a load: see the note on the snapshot row. */
    const warm = async (
      load: (expected: ProductState) => Promise<void>,
      expected: ProductState,
    ) => {
      await load(expected);
      return time(() => load(expected));
    };
    return {
      full: async (expected: ProductState) => time(() => loadFull(expected)),
      raw: async (expected: ProductState) => time(async () => check(await raw(), expected)),
      warmSnapshot: (expected: ProductState) => warm(loadSnapshot, expected),
      warmFull: (expected: ProductState) => warm(loadFull, expected),
    };
  };
  const measure = async (
    database: string,
    run: ReturnType<typeof contenders>,
    expected: ProductState,
  ) => {
    const fullName = `${database}: load, full fold (factline vs raw loop)`;
    const snapshotName = `${database}: load, snapshot + tail (vs full fold)`;
    if (!include(fullName) && !include(snapshotName)) return;
    log(`  ${database} aggregate loads`);
    const fullFold = await measureRow({
      name: fullName,
      events: eventCount,
      factline: () => run.full(expected),
      raw: () => run.raw(expected),
      warmups: 3,
      runs: 15,
    });
    const snapshot = await measureRow({
      name: snapshotName,
      events: eventCount,
      factline: () => run.warmSnapshot(expected),
      raw: () => run.warmFull(expected),
      warmups: 3,
      runs: 15,
      target: 20,
    });
    results.push(fullFold, snapshot);
    noteLoadTimes(database, fullFold, snapshot);
  };

  const directory = mkdtempSync(join(tmpdir(), 'factline-bench-aggregates-'));
  try {
    const file = join(directory, 'aggregates.sqlite');
    const provider = new SqliteProvider({ database: file });
    const expected = await writeFixture(provider);
    const store = new EventStore({ provider, events });
    const database = new Database(file, { readonly: true });
    const select = database
      .prepare('SELECT name, details FROM Events WHERE entity_id = ? ORDER BY ordinal')
      .raw(true);
    await measure(
      'SQLite',
      contenders(store, async () => rawFold(select.all(entityId) as [string, string][])),
      expected,
    );
    database.close();
    await provider.close();
  } finally {
    rmSync(directory, { recursive: true, force: true });
  }

  const url = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `factline_bench_aggregates_${process.pid}`;
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  try {
    await pool.query('SELECT 1');
  } catch {
    aggregateNotes.push(`PostgreSQL at ${url} did not answer: its aggregate rows were skipped.`);
    await pool.end();
    return results;
  }
  try {
    const provider = new PostgresProvider({ pool, schema });
    const expected = await writeFixture(provider);
    await pool.query(`ANALYZE "${schema}"."Events"`);
    const store = new EventStore({ provider, events });
    const query = {
      name: 'bench-aggregate-raw',
      text: `SELECT name, details FROM "${schema}"."Events" WHERE entity_id = $1 ORDER BY ordinal`,
      values: [entityId],
      rowMode: 'array' as const,
    };
    await measure(
      'PostgreSQL',
      contenders(store, async () => rawFold((await pool.query<[string, string]>(query)).rows)),
      expected,
    );
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  }
  return results;
}
