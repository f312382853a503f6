import { SqliteProvider } from '@factline/sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConcurrencyError } from '../errors/concurrency-error.js';
import { EntityTypeMismatchError } from '../errors/entity-type-mismatch-error.js';
import { isFactlineError } from '../errors/factline-error.js';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { EventStore } from '../store/event-store.js';
import { AggregateNotFoundError } from './aggregate-not-found-error.js';
import { ReadOnlyAggregateError } from './read-only-aggregate-error.js';
import { Repository } from './repository.js';
import { Order, OutOfStockError, Product, shopEvents } from './shop.fixture.js';
import { UnhandledEventError } from './unhandled-event-error.js';

let store: EventStore<typeof shopEvents>;
let products: Repository<Product>;
let orders: Repository<Order>;

beforeEach(async () => {
  store = new EventStore({
    provider: new SqliteProvider({ database: ':memory:' }),
    events: shopEvents,
  });
  await store.migrate();
  products = new Repository(store, Product);
  orders = new Repository(store, Order);
});

afterEach(async () => {
  await store.close();
});

const staff = { actor: 'staff:dana' };

/** Adds a product with some stock, through the repository. */
async function addAnvil(stock = 5): Promise<void> {
  await products.create(
    'product-anvil',
    (product) => {
      product.add('Anvil');
      product.receive(stock, 'delivery-1');
    },
    staff,
  );
}

describe('Repository.load and get', () => {
  it('fold the stored events into the aggregate, at the version of the last one', async () => {
    await addAnvil();
    await products.update('product-anvil', (product) => product.reserve('order-1', 2), staff);

    const product = await products.get('product-anvil');
    expect(product).toBeInstanceOf(Product);
    expect(product.name).toBe('Anvil');
    expect(product.available).toBe(3);
    expect(product.applied).toEqual([0, 1, 2]);
    expect(product.version).toBe(2);
    expect(product.pendingEvents).toEqual([]);
    expect(product.readOnly).toBe(false);
    expect(await products.load('product-anvil')).toMatchObject({ available: 3, version: 2 });
  });

  it('tell a missing aggregate: load returns undefined, get throws AggregateNotFoundError', async () => {
    expect(await products.load('product-none')).toBeUndefined();
    const error = await products.get('product-none').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AggregateNotFoundError);
    expect(isFactlineError(error, 'AGGREGATE_NOT_FOUND')).toBe(true);
    expect(error).toMatchObject({ aggregateType: 'Product', aggregateId: 'product-none' });
    expect((error as Error).message).toBe(
      'There is no Product "product-none". Check the id, or create the aggregate first.',
    );
  });

  it('refuse an entity of another type with EntityTypeMismatchError', async () => {
    await orders.create('order-1', (order) => order.place('alice', []), {
      actor: 'customer:alice',
    });
    await expect(products.load('order-1')).rejects.toThrow(EntityTypeMismatchError);
    await expect(products.get('order-1')).rejects.toMatchObject({
      entityId: 'order-1',
      expectedType: 'Product',
      actualType: 'Order',
    });
  });

  it('fail with UnhandledEventError on a stored event the aggregate has no handler for', async () => {
    await addAnvil();
    // Written around the aggregate: an order's event on a product.
    await store.publish({
      actor: 'system:import',
      entities: [
        {
          id: 'product-anvil',
          type: 'Product',
          expectedVersion: 1,
          events: [{ name: 'OrderCancelled', details: { reason: 'imported by mistake' } }],
        },
      ],
    });
    const error = await products.load('product-anvil').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnhandledEventError);
    expect(error).toMatchObject({
      aggregateType: 'Product',
      aggregateId: 'product-anvil',
      eventName: 'OrderCancelled',
      ordinal: 2,
    });
  });
});

describe('Repository.save', () => {
  it('publishes the pending events at the version it was loaded at, then advances it', async () => {
    const product = new Product('product-anvil');
    product.add('Anvil');
    product.receive(5);
    expect(await products.save(product, staff)).toEqual({ kind: 'saved', position: 1, version: 1 });
    expect(product.version).toBe(1);
    expect(product.pendingEvents).toEqual([]);
    expect(await store.getEntity('product-anvil')).toEqual({
      id: 'product-anvil',
      type: 'Product',
      version: 1,
    });

    // The same instance goes on from its new version.
    product.reserve('order-1', 2);
    expect(product.applied).toEqual([0, 1, 2]);
    expect(await products.save(product, staff)).toEqual({ kind: 'saved', position: 2, version: 2 });
    const stored = await store.readEntity('product-anvil');
    expect(stored.map((event) => [event.ordinal, event.name, event.details])).toEqual([
      [0, 'ProductAdded', { name: 'Anvil' }],
      [1, 'StockReceived', { quantity: 5, deliveryId: 'unknown' }],
      [2, 'StockReserved', { orderId: 'order-1', quantity: 2 }],
    ]);
  });

  it('writes nothing when nothing is pending', async () => {
    await addAnvil();
    const product = await products.get('product-anvil');
    expect(await products.save(product, staff)).toEqual({ kind: 'unchanged', version: 1 });
    expect(await store.head()).toBe(1);
  });

  it('refuses a new aggregate whose id exists, and a stale one, with ConcurrencyError', async () => {
    await addAnvil();
    const twin = new Product('product-anvil');
    twin.add('Anvil');
    await expect(products.save(twin, staff)).rejects.toMatchObject({
      code: 'CONCURRENCY',
      expectedVersion: 'new',
      actualVersion: 1,
    });

    const first = await products.get('product-anvil');
    const second = await products.get('product-anvil');
    first.reserve('order-1', 3);
    second.reserve('order-2', 3);
    await products.save(first, staff);
    const error = await products.save(second, staff).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConcurrencyError);
    expect(error).toMatchObject({
      entityId: 'product-anvil',
      expectedVersion: 1,
      actualVersion: 2,
    });
    // The loser keeps its pending events and its version: load it again.
    expect(second.version).toBe(1);
    expect(second.pendingEvents).toHaveLength(1);
    expect((await products.get('product-anvil')).available).toBe(2);
  });

  it('carries the actor and the metadata into every event it writes', async () => {
    await addAnvil();
    const product = await products.get('product-anvil');
    product.reserve('order-1', 1);
    product.reserve('order-2', 1);
    await products.save(product, {
      actor: 'customer:alice',
      commandId: 'reserve-1',
      causationId: 'message-9',
      correlationId: 'request-7f3a',
      headers: { source: 'checkout' },
    });
    const events = await store.readEntity('product-anvil', { after: 1 });
    expect(events).toHaveLength(2);
    for (const event of events) {
      expect(event.actor).toBe('customer:alice');
      expect(event.metadata).toEqual({
        commandId: 'reserve-1',
        causationId: 'message-9',
        correlationId: 'request-7f3a',
        headers: { source: 'checkout' },
      });
    }
  });

  it('writes nothing for a command id it saved before, and returns the first result', async () => {
    await addAnvil();
    const first = await products.get('product-anvil');
    first.reserve('order-1', 2);
    const saved = await products.save(first, { ...staff, commandId: 'reserve:order-1' });
    expect(saved).toEqual({ kind: 'saved', position: 2, version: 2 });

    const again = await products.get('product-anvil');
    again.receive(1);
    expect(await products.save(again, { ...staff, commandId: 'reserve:order-1' })).toEqual({
      kind: 'duplicate',
      position: 2,
      versions: [{ id: 'product-anvil', version: 2 }],
    });
    expect(again.version).toBe(2);
    expect(again.pendingEvents).toHaveLength(1);
    expect(await store.head()).toBe(2);
  });
});

describe('Repository.saveAll', () => {
  it('writes several aggregates in one publication: one position, every version', async () => {
    await addAnvil();
    await products.create('product-rope', (product) => product.add('Rope'), staff);
    const order = new Order('order-1');
    const anvil = await products.get('product-anvil');
    const rope = await products.get('product-rope');
    const untouched = await products.get('product-rope');
    order.place('alice', [{ productId: 'product-anvil', quantity: 2 }]);
    anvil.reserve('order-1', 2);

    const result = await products.saveAll([order, anvil, untouched], { actor: 'customer:alice' });
    expect(result).toEqual({
      kind: 'saved',
      position: 3,
      versions: [
        { id: 'order-1', version: 0 },
        { id: 'product-anvil', version: 2 },
      ],
    });
    expect([order.version, anvil.version, rope.version]).toEqual([0, 2, 0]);
    expect(order.pendingEvents).toEqual([]);
    const page = await store.readPage(2);
    expect(page.events.map((event) => [event.position, event.entityId, event.name])).toEqual([
      [3, 'order-1', 'OrderPlaced'],
      [3, 'product-anvil', 'StockReserved'],
    ]);
    expect(await products.saveAll([rope, untouched], staff)).toEqual({ kind: 'unchanged' });
  });

  it('writes nothing at all when one aggregate conflicts', async () => {
    await addAnvil();
    const order = new Order('order-1');
    const anvil = await products.get('product-anvil');
    order.place('alice', [{ productId: 'product-anvil', quantity: 2 }]);
    anvil.reserve('order-1', 2);
    // Somebody else takes stock in between.
    await products.update('product-anvil', (product) => product.reserve('order-0', 1), staff);

    await expect(products.saveAll([order, anvil], { actor: 'customer:alice' })).rejects.toThrow(
      ConcurrencyError,
    );
    expect(await store.getEntity('order-1')).toBeUndefined();
    expect(await store.head()).toBe(2);
    expect([order.version, anvil.version]).toEqual([-1, 1]);
    expect(order.pendingEvents).toHaveLength(1);
  });

  it('refuses the same aggregate twice', async () => {
    const product = new Product('product-anvil');
    product.add('Anvil');
    await expect(products.saveAll([product, product], staff)).rejects.toThrow(InvalidArgumentError);
    expect(await store.head()).toBe(0);
  });
});

describe('Repository.create', () => {
  it('saves the first events of a new aggregate', async () => {
    const result = await products.create(
      'product-anvil',
      (product) => {
        product.add('Anvil');
        product.receive(5);
      },
      staff,
    );
    expect(result).toMatchObject({ kind: 'saved', position: 1, version: 1, attempts: 1 });
    if (result.kind !== 'saved') throw new Error('unreachable');
    expect(result.aggregate.available).toBe(5);
    expect(result.events).toEqual([
      { name: 'ProductAdded', details: { name: 'Anvil' } },
      { name: 'StockReceived', details: { quantity: 5, deliveryId: 'unknown' } },
    ]);
  });

  it('refuses an id that exists with ConcurrencyError, and writes nothing for no events', async () => {
    await addAnvil();
    await expect(
      products.create('product-anvil', (product) => product.add('Anvil'), staff),
    ).rejects.toMatchObject({ code: 'CONCURRENCY', expectedVersion: 'new', actualVersion: 1 });
    const nothing = await products.create('product-rope', () => undefined, staff);
    expect(nothing).toMatchObject({ kind: 'unchanged', attempts: 1 });
    expect(await store.getEntity('product-rope')).toBeUndefined();
  });

  it('returns the first result for a repeated command id, even though the aggregate now exists', async () => {
    const add = () =>
      products.create('product-anvil', (product) => product.add('Anvil'), {
        ...staff,
        commandId: 'add:anvil',
      });
    expect(await add()).toMatchObject({ kind: 'saved', position: 1 });
    expect(await add()).toEqual({ kind: 'duplicate', position: 1, attempts: 1 });
    expect(await store.head()).toBe(1);
  });
});

describe('Repository.update', () => {
  it('loads, runs the command, saves, and returns the aggregate and its new events', async () => {
    await addAnvil();
    const result = await products.update(
      'product-anvil',
      async (product) => {
        await Promise.resolve();
        product.reserve('order-1', 2);
      },
      { actor: 'customer:alice', commandId: 'reserve:order-1', correlationId: 'request-1' },
    );
    expect(result).toMatchObject({ kind: 'saved', position: 2, version: 2, attempts: 1 });
    if (result.kind !== 'saved') throw new Error('unreachable');
    expect(result.aggregate.available).toBe(3);
    expect(result.events).toEqual([
      { name: 'StockReserved', details: { orderId: 'order-1', quantity: 2 } },
    ]);
    const [event] = await store.readEntity('product-anvil', { after: 1 });
    expect(event?.metadata).toEqual({ commandId: 'reserve:order-1', correlationId: 'request-1' });
    expect(event?.actor).toBe('customer:alice');
  });

  it('writes nothing when the command raises nothing', async () => {
    await addAnvil();
    await products.update('product-anvil', (product) => product.reserve('order-1', 2), staff);
    // Reserving for the same order again is a no-op of the aggregate.
    const again = await products.update(
      'product-anvil',
      (product) => product.reserve('order-1', 2),
      staff,
    );
    expect(again).toMatchObject({ kind: 'unchanged', attempts: 1 });
    expect(await store.head()).toBe(2);
  });

  it('lets the command refuse: its error, nothing written', async () => {
    await addAnvil(1);
    await expect(
      products.update('product-anvil', (product) => product.reserve('order-1', 2), staff),
    ).rejects.toThrow(OutOfStockError);
    expect(await store.head()).toBe(1);
  });

  it('throws AggregateNotFoundError for a missing aggregate, without running the command', async () => {
    let runs = 0;
    await expect(products.update('product-none', () => void runs++, staff)).rejects.toBeInstanceOf(
      AggregateNotFoundError,
    );
    expect(runs).toBe(0);
  });

  it('does not run a repeated command again: no second write, the first position', async () => {
    await addAnvil(2);
    let runs = 0;
    const reserve = () =>
      products.update(
        'product-anvil',
        (product) => {
          runs++;
          // Not idempotent by itself: a new order id each run.
          product.reserve(`order-${runs}`, 2);
        },
        { actor: 'customer:alice', commandId: 'checkout-42' },
      );
    expect(await reserve()).toMatchObject({ kind: 'saved', position: 2, version: 2 });
    // Run again, it would fail: the stock is gone. As a repeat, it returns the first result.
    expect(await reserve()).toEqual({ kind: 'duplicate', position: 2, attempts: 1 });
    expect(runs).toBe(1);
    expect((await products.get('product-anvil')).available).toBe(0);
    expect(await store.head()).toBe(2);
  });

  it('returns duplicate when the store knows the command id from another entity', async () => {
    await addAnvil();
    await products.create('product-rope', (product) => product.add('Rope'), {
      ...staff,
      commandId: 'shared-command',
    });
    const result = await products.update(
      'product-anvil',
      (product) => product.reserve('order-1', 1),
      { ...staff, commandId: 'shared-command' },
    );
    expect(result).toEqual({ kind: 'duplicate', position: 2, attempts: 1 });
    expect((await products.get('product-anvil')).available).toBe(5);
  });
});

describe('read-only aggregates', () => {
  it('refuse to be saved, alone or with others', async () => {
    await addAnvil();
    const past = await products.get('product-anvil', { asOf: { version: 0 } });
    expect(past.readOnly).toBe(true);
    await expect(products.save(past, staff)).rejects.toThrow(ReadOnlyAggregateError);
    const order = new Order('order-1');
    order.place('alice', []);
    await expect(products.saveAll([order, past], staff)).rejects.toMatchObject({
      code: 'READ_ONLY_AGGREGATE',
      aggregateType: 'Product',
      aggregateId: 'product-anvil',
      asOf: { version: 0 },
    });
    expect(await store.head()).toBe(1);
  });
});

describe('new Repository', () => {
  it('checks its retry policy', () => {
    expect(() => new Repository(store, Product, { retry: { retries: -1 } })).toThrow(
      InvalidArgumentError,
    );
    expect(() => new Repository(store, Product, { retry: { maxDelay: Number.NaN } })).toThrow(
      /retry.maxDelay/,
    );
  });
});
