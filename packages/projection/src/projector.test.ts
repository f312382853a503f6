import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineEvents, EventStore, isFactlineError } from '@factline/core';
import { type SqliteDatabase, SqliteProvider } from '@factline/sqlite';
import * as v from 'valibot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ErrorReport, ProjectorState } from './projection-options.js';
import { Projector } from './projector.js';

const events = defineEvents({
  StockReceived: v.object({ sku: v.string(), quantity: v.number() }),
  StockShipped: v.object({ sku: v.string(), quantity: v.number() }),
  ProductRenamed: v.object({ sku: v.string(), name: v.string() }),
});

let directory: string;
let provider: SqliteProvider;
let store: EventStore<typeof events>;

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'factline-projector-'));
  provider = new SqliteProvider({ database: join(directory, 'shop.db') });
  store = new EventStore({ provider, events });
  await store.migrate();
  createReadModel(provider.database);
});

afterEach(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

function createReadModel(db: SqliteDatabase): void {
  db.exec('CREATE TABLE IF NOT EXISTS stock (sku TEXT PRIMARY KEY, quantity INT NOT NULL)');
}

function stockOf(db: SqliteDatabase): Record<string, number> {
  const rows = db.prepare('SELECT sku, quantity FROM stock ORDER BY sku').all() as {
    sku: string;
    quantity: number;
  }[];
  return Object.fromEntries(rows.map((row) => [row.sku, row.quantity]));
}

const add = (db: SqliteDatabase, sku: string, quantity: number) => {
  db.prepare(
    'INSERT INTO stock (sku, quantity) VALUES (?, ?) ON CONFLICT (sku) DO UPDATE SET quantity = quantity + excluded.quantity',
  ).run(sku, quantity);
};

/** A projector of stock levels; `fail` decides, per event, whether its handler throws. */
function stockProjector(
  options: {
    fail?: (sku: string, quantity: number) => boolean;
    storage?: SqliteProvider;
    name?: string;
    attempts?: number;
    onError?: (report: ErrorReport) => void;
    onStateChange?: (state: ProjectorState) => void;
    lease?: false | { ttl: number };
    pollInterval?: number;
    projectionStore?: EventStore<typeof events>;
  } = {},
) {
  return new Projector({
    name: options.name ?? 'stock-levels',
    store: options.projectionStore ?? store,
    storage: options.storage ?? provider,
    retry: { attempts: options.attempts ?? 1, baseDelay: 1, maxDelay: 5 },
    lease: options.lease ?? { ttl: 5_000 },
    pollInterval: options.pollInterval ?? 60_000,
    hooks: { onError: options.onError, onStateChange: options.onStateChange },
    handlers: {
      StockReceived: (event, db) => {
        if (options.fail?.(event.details.sku, event.details.quantity)) throw new Error('boom');
        add(db, event.details.sku, event.details.quantity);
      },
      StockShipped: (event, db) => {
        if (options.fail?.(event.details.sku, -event.details.quantity)) throw new Error('boom');
        add(db, event.details.sku, -event.details.quantity);
      },
    },
    reset: (db) => {
      db.exec('DELETE FROM stock');
    },
  });
}

async function receive(sku: string, quantity: number, into = store) {
  return into.publish({
    actor: 'test',
    entities: [
      {
        id: sku,
        type: 'Product',
        expectedVersion: 'any',
        events: [{ name: 'StockReceived', details: { sku, quantity } }],
      },
    ],
  });
}

describe('Projector on SQLite', () => {
  it('catches up from position 0 and stores the position and event id it reached', async () => {
    await receive('anvil', 5);
    await receive('bolt', 2);
    const last = await receive('anvil', 1);
    const projector = stockProjector();

    const result = await projector.runUntilCaughtUp();

    expect(result).toEqual({ position: last.position, events: 3 });
    expect(stockOf(provider.database)).toEqual({ anvil: 6, bolt: 2 });
    const [lastEvent] = (await store.readPage(last.position - 1, 1)).events;
    expect(await provider.readCheckpoint({ projector: 'stock-levels', source: 'default' })).toEqual(
      { position: last.position, eventId: lastEvent?.id },
    );
    expect(await projector.runUntilCaughtUp()).toEqual({ position: last.position, events: 0 });
    expect(stockOf(provider.database)).toEqual({ anvil: 6, bolt: 2 });
  });

  it('passes over events without a handler, moving its checkpoint past them', async () => {
    await receive('anvil', 5);
    const renamed = await store.publish({
      actor: 'test',
      entities: [
        {
          id: 'anvil',
          type: 'Product',
          expectedVersion: 0,
          events: [{ name: 'ProductRenamed', details: { sku: 'anvil', name: 'Big anvil' } }],
        },
      ],
    });

    const result = await stockProjector().runUntilCaughtUp();

    expect(result.position).toBe(renamed.position);
    expect(stockOf(provider.database)).toEqual({ anvil: 5 });
  });

  it('stops at a failing event with the checkpoint before its publication, and resumes there once fixed', async () => {
    await receive('anvil', 5);
    await receive('bolt', 2);
    const failing = await receive('crate', 7);
    await receive('anvil', 1);
    let broken = true;
    const errors: ErrorReport[] = [];
    const projector = stockProjector({
      fail: (sku) => broken && sku === 'crate',
      attempts: 3,
      onError: (report) => errors.push(report),
    });

    const error = await projector.runUntilCaughtUp().catch((caught: unknown) => caught);

    expect(isFactlineError(error, 'PROJECTION_FAILED')).toBe(true);
    if (!isFactlineError(error, 'PROJECTION_FAILED')) return;
    expect(error).toMatchObject({
      projector: 'stock-levels',
      position: failing.position,
      eventName: 'StockReceived',
      entityId: 'crate',
      attempts: 3,
    });
    expect(error.message).toContain('stock-levels');
    expect((error.cause as Error).message).toBe('boom');
    expect(errors.map((report) => [report.attempt, report.willRetry])).toEqual([
      [1, true],
      [2, true],
      [3, false],
    ]);
    expect(projector.status()).toMatchObject({ state: 'failed', error });
    // Everything before the failing publication is applied and checkpointed, nothing after it.
    expect(stockOf(provider.database)).toEqual({ anvil: 5, bolt: 2 });
    expect(
      (await provider.readCheckpoint({ projector: 'stock-levels', source: 'default' }))?.position,
    ).toBe(failing.position - 1);

    broken = false;
    await projector.runUntilCaughtUp();
    expect(stockOf(provider.database)).toEqual({ anvil: 6, bolt: 2, crate: 7 });
  });

  it('retries a failing handler with backoff and goes on when it recovers', async () => {
    await receive('anvil', 5);
    await receive('bolt', 2);
    let failures = 2;
    const errors: ErrorReport[] = [];
    const projector = stockProjector({
      fail: (sku) => sku === 'bolt' && failures-- > 0,
      attempts: 5,
      onError: (report) => errors.push(report),
    });

    await projector.runUntilCaughtUp();

    expect(stockOf(provider.database)).toEqual({ anvil: 5, bolt: 2 });
    expect(errors.map((report) => [report.attempt, report.willRetry])).toEqual([
      [1, true],
      [2, true],
    ]);
    expect(errors[1]?.delay).toBeGreaterThan(errors[0]?.delay ?? Number.POSITIVE_INFINITY);
  });

  it('rolls back every event of a publication when one of its handlers fails', async () => {
    await receive('anvil', 5);
    const both = await store.publish({
      actor: 'test',
      entities: [
        {
          id: 'anvil',
          type: 'Product',
          expectedVersion: 0,
          events: [{ name: 'StockShipped', details: { sku: 'anvil', quantity: 2 } }],
        },
        {
          id: 'bolt',
          type: 'Product',
          expectedVersion: 'new',
          events: [{ name: 'StockReceived', details: { sku: 'bolt', quantity: 9 } }],
        },
      ],
    });

    const error = await stockProjector({ fail: (sku) => sku === 'bolt' })
      .runUntilCaughtUp()
      .catch((caught: unknown) => caught);

    expect(error).toMatchObject({ code: 'PROJECTION_FAILED', position: both.position });
    expect(stockOf(provider.database)).toEqual({ anvil: 5 });
  });

  it('applies each event exactly once when a stale instance meets a moved checkpoint', async () => {
    await receive('anvil', 1);
    const stale = stockProjector({ lease: false });
    await stale.runUntilCaughtUp();
    await receive('anvil', 10);
    await stockProjector({ lease: false }).runUntilCaughtUp();
    await receive('anvil', 100);

    // The stale instance still believes its checkpoint is at the first publication.
    await stale.runUntilCaughtUp();

    expect(stockOf(provider.database)).toEqual({ anvil: 111 });
  });

  it('retries reads when the database fails, reporting each failure, and goes on', async () => {
    await receive('anvil', 4);
    let failures = 2;
    // The real provider, with its first two page reads failing as a lost connection would.
    const flaky = new Proxy(provider, {
      get(target, property, receiver) {
        // Pages are read by readPackedPositions on SQLite, by readPositions elsewhere.
        if (property === 'readPositions' || property === 'readPackedPositions') {
          return (after: number, count: number) => {
            if (failures-- > 0) return Promise.reject(new Error('connection reset'));
            return target[property](after, count);
          };
        }
        const value = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const errors: ErrorReport[] = [];
    const projector = stockProjector({
      attempts: 3,
      projectionStore: new EventStore({ provider: flaky, events }),
      onError: (report) => errors.push(report),
    });

    await projector.runUntilCaughtUp();

    expect(stockOf(provider.database)).toEqual({ anvil: 4 });
    expect(errors.map((report) => [report.attempt, report.willRetry])).toEqual([
      [1, true],
      [2, true],
    ]);
    expect(errors[0]?.error).toMatchObject({ code: 'PROVIDER', operation: 'readAll' });
  });

  it('refuses a handler that returns a promise, since SQLite transactions are synchronous', async () => {
    await receive('anvil', 1);
    const projector = new Projector({
      name: 'async',
      store,
      storage: provider,
      retry: { attempts: 3, baseDelay: 1 },
      handlers: { StockReceived: async () => undefined },
    });

    const error = await projector.runUntilCaughtUp().catch((caught: unknown) => caught);

    expect(isFactlineError(error, 'INVALID_ARGUMENT')).toBe(true);
    expect(String((error as Error).message)).toContain('synchronous');
    expect(
      await provider.readCheckpoint({ projector: 'async', source: 'default' }),
    ).toBeUndefined();
  });

  it('follows new events live, woken by publications in this process, and stops cleanly', async () => {
    const states: ProjectorState[] = [];
    const projector = stockProjector({ onStateChange: (state) => states.push(state) });
    const running = projector.start();
    await receive('anvil', 3);

    await waitFor(() => stockOf(provider.database).anvil === 3);
    await receive('anvil', 4);
    await waitFor(() => stockOf(provider.database).anvil === 7);
    await projector.stop();
    await running;

    expect(projector.status().state).toBe('stopped');
    expect(states).toContain('live');
    expect(states.at(-1)).toBe('stopped');
    // The poll interval is a minute: only the wake-up can have been this quick.
  }, 10_000);

  it('rebuilds: empties the read model and replays the log, reporting progress', async () => {
    for (let n = 1; n <= 5; n++) await receive(`sku-${n % 2}`, n);
    const projector = stockProjector();
    await projector.runUntilCaughtUp();
    provider.database.prepare('UPDATE stock SET quantity = -1').run();
    const progress: number[] = [];

    const result = await projector.rebuild({
      onProgress: (report) => progress.push(report.position),
    });

    expect(result).toEqual({ position: 5, events: 5 });
    expect(stockOf(provider.database)).toEqual({ 'sku-0': 6, 'sku-1': 9 });
    expect(progress.at(-1)).toBe(5);
  });

  it('reports its lag in positions and in time', async () => {
    await receive('anvil', 1);
    await receive('anvil', 2);
    const projector = stockProjector();

    const behind = await projector.lag();
    await projector.runUntilCaughtUp();
    const caughtUp = await projector.lag();

    expect(behind.positions).toBe(2);
    expect(behind.milliseconds).toBeGreaterThanOrEqual(0);
    expect(caughtUp).toEqual({ positions: 0, milliseconds: 0 });
    expect(projector.status().eventsPerSecond).toBeGreaterThan(0);
    expect(projector.status().lastEventAt).toBeInstanceOf(Date);
  });

  it('runs one instance per name: a second waits in standby and takes over when the first stops', async () => {
    await receive('anvil', 1);
    const second = new SqliteProvider({ database: join(directory, 'shop.db') });
    const secondStore = new EventStore({ provider: second, events });
    try {
      const first = stockProjector({ lease: { ttl: 60_000 } });
      const other = stockProjector({
        lease: { ttl: 60_000 },
        storage: second,
        projectionStore: secondStore,
        pollInterval: 20,
      });
      const firstRun = first.start();
      await waitFor(() => first.status().state === 'live');
      const otherRun = other.start();
      await waitFor(() => other.status().state === 'standby');

      await expect(
        stockProjector({ lease: { ttl: 50 }, name: 'stock-levels' }).runUntilCaughtUp(),
      ).rejects.toMatchObject({ code: 'LEASE_UNAVAILABLE' });

      await first.stop();
      await firstRun;
      await receive('anvil', 5);
      await waitFor(() => other.status().state === 'live' && stockOf(second.database).anvil === 6);
      await other.stop();
      await otherRun;
      expect(stockOf(provider.database)).toEqual({ anvil: 6 });
    } finally {
      await secondStore.close();
    }
  }, 15_000);

  it('stops with a clear error when the log no longer holds the event at its checkpoint', async () => {
    // The read model in its own database; the event log restored from an older backup.
    const readModel = new SqliteProvider({ database: join(directory, 'read.db') });
    await readModel.migrate();
    createReadModel(readModel.database);
    try {
      await receive('anvil', 1);
      await receive('anvil', 2);
      provider.database.exec(`VACUUM INTO '${join(directory, 'backup.db')}'`);
      await receive('anvil', 3);
      await receive('anvil', 4);
      const projector = stockProjector({ storage: readModel });
      await projector.runUntilCaughtUp();
      await store.close();

      rmSync(join(directory, 'shop.db'));
      rmSync(join(directory, 'shop.db-wal'), { force: true });
      rmSync(join(directory, 'shop.db-shm'), { force: true });
      const restored = new EventStore({
        provider: new SqliteProvider({ database: join(directory, 'backup.db') }),
        events,
      });
      store = restored;
      const afterRestore = stockProjector({ storage: readModel, projectionStore: restored });

      await expect(afterRestore.runUntilCaughtUp()).rejects.toMatchObject({
        code: 'CHECKPOINT_MISMATCH',
        position: 4,
        actualEventId: null,
      });

      await receive('anvil', 30, restored);
      await receive('anvil', 40, restored);
      const error = await afterRestore.runUntilCaughtUp().catch((caught: unknown) => caught);
      expect(isFactlineError(error, 'CHECKPOINT_MISMATCH')).toBe(true);
      const [atFour] = (await restored.readPage(3, 1)).events;
      expect(error).toMatchObject({ position: 4, actualEventId: atFour?.id });
      expect(stockOf(readModel.database)).toEqual({ anvil: 10 });
    } finally {
      await readModel.close();
    }
  });
});

async function waitFor(condition: () => boolean, timeout = 5_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeout) throw new Error('timed out waiting for a condition');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
