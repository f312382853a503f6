import { SqliteProvider } from '@factline/sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { EventStore } from '../store/event-store.js';
import { AggregateNotFoundError } from './aggregate-not-found-error.js';
import { ReadOnlyAggregateError } from './read-only-aggregate-error.js';
import { Repository } from './repository.js';
import { Order, Product, shopEvents } from './shop.fixture.js';

let now: Date;
let store: EventStore<typeof shopEvents>;
let products: Repository<Product>;

const at = (iso: string) => new Date(iso);
const staff = { actor: 'staff:dana' };

/**
 * The anvil's history:
 * position 1, 09:00 — ProductAdded (0), StockReceived 5 (1)
 * position 2, 10:00 — StockReserved 2 (2)
 * position 3, 11:00 — another entity
 * position 4, 12:00 — StockReceived 10 (3)
 */
beforeEach(async () => {
  now = at('2024-03-01T09:00:00.000Z');
  store = new EventStore({
    provider: new SqliteProvider({ database: ':memory:' }),
    events: shopEvents,
    clock: () => now,
  });
  await store.migrate();
  products = new Repository(store, Product);
  await products.create(
    'product-anvil',
    (product) => {
      product.add('Anvil');
      product.receive(5);
    },
    staff,
  );
  now = at('2024-03-01T10:00:00.000Z');
  await products.update('product-anvil', (product) => product.reserve('order-1', 2), staff);
  now = at('2024-03-01T11:00:00.000Z');
  await new Repository(store, Order).create('order-1', (order) => order.place('alice', []), staff);
  now = at('2024-03-01T12:00:00.000Z');
  await products.update('product-anvil', (product) => product.receive(10), staff);
});

afterEach(async () => {
  await store.close();
});

describe('loading as of a version', () => {
  it('folds the events up to that ordinal', async () => {
    const cases = [
      [0, { version: 0, available: 0 }],
      [1, { version: 1, available: 5 }],
      [2, { version: 2, available: 3 }],
      [3, { version: 3, available: 13 }],
      // Past the end: as of then, it was at its latest version.
      [99, { version: 3, available: 13 }],
    ] as const;
    for (const [version, expected] of cases) {
      const product = await products.get('product-anvil', { asOf: { version } });
      expect(product, `as of version ${version}`).toMatchObject({ ...expected, readOnly: true });
    }
  });
});

describe('loading as of a position', () => {
  it('folds the events at positions up to it', async () => {
    expect(await products.load('product-anvil', { asOf: { position: 0 } })).toBeUndefined();
    expect(await products.get('product-anvil', { asOf: { position: 1 } })).toMatchObject({
      version: 1,
      available: 5,
    });
    expect(await products.get('product-anvil', { asOf: { position: 3 } })).toMatchObject({
      version: 2,
      available: 3,
    });
    expect(await products.get('product-anvil', { asOf: { position: 4 } })).toMatchObject({
      version: 3,
      available: 13,
    });
  });
});

describe('loading as of a time', () => {
  it('folds the events stamped at or before it', async () => {
    const asOf = async (iso: string) =>
      (await products.load('product-anvil', { asOf: { time: at(iso) } }))?.available;
    expect(await asOf('2024-03-01T08:59:59.999Z')).toBeUndefined();
    expect(await asOf('2024-03-01T09:00:00.000Z')).toBe(5);
    expect(await asOf('2024-03-01T09:59:59.999Z')).toBe(5);
    expect(await asOf('2024-03-01T10:00:00.000Z')).toBe(3);
    expect(await asOf('2024-03-01T11:59:59.999Z')).toBe(3);
    expect(await asOf('2030-01-01T00:00:00.000Z')).toBe(13);
  });

  it('stops at the first event after the time: a fold takes a prefix of the history', async () => {
    // A write stamped earlier than the one before it (a clock that went back).
    now = at('2024-03-01T11:30:00.000Z');
    await products.update('product-anvil', (product) => product.reserve('order-2', 1), staff);
    const product = await products.get('product-anvil', {
      asOf: { time: at('2024-03-01T11:45:00.000Z') },
    });
    expect(product.version).toBe(2);
  });

  it('says as of when when there was no aggregate yet', async () => {
    const error = await products
      .get('product-anvil', { asOf: { time: at('2024-01-01T00:00:00.000Z') } })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AggregateNotFoundError);
    expect((error as Error).message).toContain('as of time 2024-01-01T00:00:00.000Z');
    expect(error).toMatchObject({ asOf: { time: at('2024-01-01T00:00:00.000Z') } });
  });
});

describe('an aggregate loaded as of a point', () => {
  it('is read-only: it neither raises nor saves', async () => {
    const product = await products.get('product-anvil', { asOf: { version: 2 } });
    expect(product.readOnly).toBe(true);
    expect(() => product.receive(1)).toThrow(ReadOnlyAggregateError);
    expect(product.pendingEvents).toEqual([]);
    await expect(products.save(product, staff)).rejects.toMatchObject({
      code: 'READ_ONLY_AGGREGATE',
      asOf: { version: 2 },
    });
    expect(await store.head()).toBe(4);
    // The present is still writable.
    expect((await products.get('product-anvil')).readOnly).toBe(false);
  });

  it('is asked for with a valid point', async () => {
    for (const asOf of [
      { version: -1 },
      { version: 1.5 },
      { position: -1 },
      { time: new Date(Number.NaN) },
    ]) {
      await expect(products.load('product-anvil', { asOf }), JSON.stringify(asOf)).rejects.toThrow(
        InvalidArgumentError,
      );
    }
  });
});
