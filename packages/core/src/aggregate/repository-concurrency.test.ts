import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteProvider } from '@factline/sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConcurrencyError } from '../errors/concurrency-error.js';
import { EventStore } from '../store/event-store.js';
import { Repository } from './repository.js';
import type { RetryPolicy } from './retry-policy.js';
import { OutOfStockError, Product, shopEvents } from './shop.fixture.js';

/** Two processes' worth of store: two connections to one SQLite file. */
let directory: string;
let stores: EventStore<typeof shopEvents>[];

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'factline-repository-'));
  const database = join(directory, 'shop.db');
  stores = [0, 1].map(
    () => new EventStore({ provider: new SqliteProvider({ database }), events: shopEvents }),
  );
  await stores[0]!.migrate();
});

afterEach(async () => {
  for (const store of stores) await store.close();
  await rm(directory, { recursive: true, force: true });
});

const fast: RetryPolicy = { baseDelay: 1, maxDelay: 2 };
const staff = { actor: 'staff:dana' };

function repositories(retry: RetryPolicy = fast): [Repository<Product>, Repository<Product>] {
  return [
    new Repository(stores[0]!, Product, { retry }),
    new Repository(stores[1]!, Product, { retry }),
  ];
}

async function addAnvil(repository: Repository<Product>, stock: number): Promise<void> {
  await repository.create(
    'product-anvil',
    (product) => {
      product.add('Anvil');
      product.receive(stock);
    },
    staff,
  );
}

describe('Repository.update under concurrent writers', () => {
  it('runs the command again on fresh state after a conflict', async () => {
    const [a, b] = repositories();
    await addAnvil(a, 10);
    const conflicts: ConcurrencyError[] = [];
    const seen: number[] = [];

    const result = await a.update(
      'product-anvil',
      async (product) => {
        seen.push(product.available);
        // The other connection writes between this load and this save, once.
        if (seen.length === 1) {
          await b.update('product-anvil', (other) => other.reserve('order-b', 3), staff);
        }
        product.reserve('order-a', 2);
      },
      { ...staff, retry: { ...fast, onConflict: (error) => conflicts.push(error) } },
    );

    expect(result).toMatchObject({ kind: 'saved', version: 3, attempts: 2 });
    expect(seen).toEqual([10, 7]);
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]).toMatchObject({
      entityId: 'product-anvil',
      expectedVersion: 1,
      actualVersion: 2,
    });
    const stored = await stores[1]!.readEntity('product-anvil');
    expect(stored.map((event) => [event.ordinal, event.name])).toEqual([
      [0, 'ProductAdded'],
      [1, 'StockReceived'],
      [2, 'StockReserved'],
      [3, 'StockReserved'],
    ]);
    expect((await b.get('product-anvil')).available).toBe(5);
  });

  it('gives up with the ConcurrencyError after the configured retries', async () => {
    const [a, b] = repositories();
    await addAnvil(a, 100);
    let runs = 0;
    const conflicts: number[] = [];

    const error = await a
      .update(
        'product-anvil',
        async (product) => {
          runs++;
          // Another writer gets in every time.
          await b.update('product-anvil', (other) => other.reserve(`order-b${runs}`, 1), staff);
          product.reserve(`order-a${runs}`, 1);
        },
        {
          ...staff,
          retry: { ...fast, retries: 2, onConflict: (_, attempt) => conflicts.push(attempt) },
        },
      )
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConcurrencyError);
    expect(runs).toBe(3);
    expect(conflicts).toEqual([1, 2]);
    const product = await b.get('product-anvil');
    expect([...product.reservations.keys()]).toEqual(['order-b1', 'order-b2', 'order-b3']);
  });

  it('takes the default of 3 retries from the repository, and 0 means no retry', async () => {
    const [a, b] = repositories();
    await addAnvil(a, 100);
    let runs = 0;
    let orders = 0;
    const contended = (retry?: RetryPolicy) =>
      a.update(
        'product-anvil',
        async (product) => {
          runs++;
          orders++;
          await b.update('product-anvil', (other) => other.reserve(`order-b${orders}`, 1), staff);
          product.reserve(`order-a${orders}`, 1);
        },
        retry === undefined ? staff : { ...staff, retry },
      );
    await expect(contended()).rejects.toThrow(ConcurrencyError);
    expect(runs).toBe(4);
    runs = 0;
    await expect(contended({ retries: 0 })).rejects.toThrow(ConcurrencyError);
    expect(runs).toBe(1);
  });

  it('never oversells: many interleaved reservations through two connections', async () => {
    let conflicts = 0;
    const [a, b] = repositories({ ...fast, retries: 50, onConflict: () => conflicts++ });
    await addAnvil(a, 5);
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        (index % 2 === 0 ? a : b)
          .update('product-anvil', (product) => product.reserve(`order-${index}`, 1), {
            actor: `customer:${index}`,
          })
          .then(
            (result) => result.kind,
            (error: unknown) => (error instanceof OutOfStockError ? 'out-of-stock' : error),
          ),
      ),
    );
    expect(outcomes.filter((outcome) => outcome === 'saved')).toHaveLength(5);
    expect(outcomes.filter((outcome) => outcome === 'out-of-stock')).toHaveLength(3);
    const product = await a.get('product-anvil');
    expect(product.available).toBe(0);
    expect(product.version).toBe(6);
    expect(conflicts).toBeGreaterThan(0);
    const ordinals = (await stores[0]!.readEntity('product-anvil')).map((event) => event.ordinal);
    expect(ordinals).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('runs a command once per command id, when the repeat races the first run', async () => {
    const [a, b] = repositories();
    await addAnvil(a, 1);
    let runs = 0;
    const reserve = (repository: Repository<Product>) =>
      repository.update(
        'product-anvil',
        (product) => {
          runs++;
          product.reserve(`order-${runs}`, 1);
        },
        { actor: 'customer:alice', commandId: 'checkout-7' },
      );
    // Both load at version 1; the first to save wins, the other is a repeat.
    const results = await Promise.all([reserve(a), reserve(b)]);
    expect(results.map((result) => result.kind).sort()).toEqual(['duplicate', 'saved']);
    // The repeat ran on the state it loaded, but the store wrote none of it.
    expect(runs).toBe(2);
    const saved = results.find((result) => result.kind === 'saved');
    const duplicate = results.find((result) => result.kind === 'duplicate');
    expect(duplicate).toMatchObject({ position: (saved as { position: number }).position });
    expect((await a.get('product-anvil')).available).toBe(0);
    expect(await stores[0]!.head()).toBe(2);
  });
});
