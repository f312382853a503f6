import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ConcurrencyError, EventStore, isFactlineError } from '@factline/core';
import { SqliteProvider } from '@factline/sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { type ShopStore, shopEvents } from './events.js';
import {
  addProduct,
  cancelOrder,
  loadOrder,
  loadProduct,
  type PlaceOrderResult,
  placeOrder,
  receiveStock,
} from './shop.js';

const stores: ShopStore[] = [];
const directories: string[] = [];

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close();
  for (const directory of directories.splice(0))
    rmSync(directory, { recursive: true, force: true });
});

async function openStore(database = ':memory:'): Promise<ShopStore> {
  const store = new EventStore({ provider: new SqliteProvider({ database }), events: shopEvents });
  stores.push(store);
  await store.migrate();
  return store;
}

/** A store with one product holding `quantity` in stock. */
async function storeWithStock(quantity: number, productId = 'product-anvil'): Promise<ShopStore> {
  const store = await openStore();
  await stockUp(store, productId, quantity);
  return store;
}

async function stockUp(store: ShopStore, productId: string, quantity: number): Promise<void> {
  await addProduct(store, { actor: 'staff:dana', productId, name: productId });
  await receiveStock(store, {
    actor: 'system:warehouse',
    productId,
    quantity,
    deliveryId: `delivery-${productId}`,
  });
}

async function available(
  store: ShopStore,
  productId = 'product-anvil',
): Promise<number | undefined> {
  return (await loadProduct(store, productId))?.available;
}

function order(orderId: string, quantity: number, productId = 'product-anvil') {
  return {
    actor: `customer:${orderId}`,
    orderId,
    customerId: orderId,
    lines: [{ productId, quantity }],
  };
}

const kinds = (results: readonly PlaceOrderResult[]) => results.map((result) => result.kind);

describe('products and stock', () => {
  it('adds a product once', async () => {
    const store = await openStore();
    expect(
      await addProduct(store, { actor: 'staff:dana', productId: 'product-anvil', name: 'Anvil' }),
    ).toEqual({
      kind: 'added',
      position: 1,
    });
    expect(
      await addProduct(store, { actor: 'staff:dana', productId: 'product-anvil', name: 'Anvil' }),
    ).toEqual({
      kind: 'already-exists',
    });
    expect(await loadProduct(store, 'product-anvil')).toEqual({
      id: 'product-anvil',
      name: 'Anvil',
      available: 0,
      version: 0,
    });
  });

  it('adds received stock to what is available', async () => {
    const store = await storeWithStock(5);
    await receiveStock(store, {
      actor: 'system:warehouse',
      productId: 'product-anvil',
      quantity: 3,
      deliveryId: 'd-2',
    });
    expect(await available(store)).toBe(8);
  });

  it('counts a delivery reported twice once (its command id)', async () => {
    const store = await openStore();
    await addProduct(store, { actor: 'staff:dana', productId: 'product-anvil', name: 'Anvil' });
    const delivery = {
      actor: 'system:warehouse',
      productId: 'product-anvil',
      quantity: 4,
      deliveryId: 'd-7',
    };
    const first = await receiveStock(store, delivery);
    const second = await receiveStock(store, delivery);
    expect(first).toMatchObject({ kind: 'received', duplicate: false });
    expect(second).toEqual({ ...first, duplicate: true });
    expect(await available(store)).toBe(4);
  });

  it('receives no stock for a product that does not exist', async () => {
    const store = await openStore();
    expect(
      await receiveStock(store, {
        actor: 'system:warehouse',
        productId: 'product-x',
        quantity: 1,
        deliveryId: 'd-1',
      }),
    ).toEqual({ kind: 'unknown-product' });
    expect(await store.head()).toBe(0);
  });

  it('rejects a quantity its schema does not allow, writing nothing', async () => {
    const store = await storeWithStock(1);
    const head = await store.head();
    await expect(
      receiveStock(store, {
        actor: 'system:warehouse',
        productId: 'product-anvil',
        quantity: 0,
        deliveryId: 'd-0',
      }),
    ).rejects.toSatisfy((error) => isFactlineError(error, 'VALIDATION'));
    expect(await store.head()).toBe(head);
  });
});

describe('placing orders', () => {
  it('reserves the stock in the same publication as the order', async () => {
    const store = await openStore();
    await stockUp(store, 'product-anvil', 5);
    await stockUp(store, 'product-rope', 5);
    const result = await placeOrder(store, {
      actor: 'customer:alice',
      orderId: 'order-1',
      customerId: 'alice',
      lines: [
        { productId: 'product-anvil', quantity: 2 },
        { productId: 'product-rope', quantity: 1 },
      ],
    });
    expect(result).toEqual({ kind: 'placed', position: 5, attempts: 1 });
    const page = await store.readPage(4);
    expect(
      page.events.map((event) => [event.position, event.entityId, event.name, event.details]),
    ).toEqual([
      [
        5,
        'order-1',
        'OrderPlaced',
        {
          customerId: 'alice',
          lines: [
            { productId: 'product-anvil', quantity: 2 },
            { productId: 'product-rope', quantity: 1 },
          ],
        },
      ],
      [5, 'product-anvil', 'StockReserved', { orderId: 'order-1', quantity: 2 }],
      [5, 'product-rope', 'StockReserved', { orderId: 'order-1', quantity: 1 }],
    ]);
    expect(await available(store, 'product-anvil')).toBe(3);
    expect(await available(store, 'product-rope')).toBe(4);
  });

  it('takes every unit in stock, and not one more', async () => {
    const store = await storeWithStock(3);
    expect((await placeOrder(store, order('order-1', 3))).kind).toBe('placed');
    expect(await placeOrder(store, order('order-2', 1))).toEqual({
      kind: 'out-of-stock',
      productId: 'product-anvil',
      requested: 1,
      available: 0,
      attempts: 1,
    });
  });

  it('writes nothing for an order it rejects', async () => {
    const store = await openStore();
    await stockUp(store, 'product-anvil', 5);
    await stockUp(store, 'product-rope', 1);
    const head = await store.head();
    const result = await placeOrder(store, {
      actor: 'customer:bob',
      orderId: 'order-1',
      customerId: 'bob',
      lines: [
        { productId: 'product-anvil', quantity: 1 },
        { productId: 'product-rope', quantity: 2 },
      ],
    });
    expect(result).toMatchObject({
      kind: 'out-of-stock',
      productId: 'product-rope',
      requested: 2,
      available: 1,
    });
    expect(await store.head()).toBe(head);
    expect(await loadOrder(store, 'order-1')).toBeUndefined();
    expect(await available(store, 'product-anvil')).toBe(5);
  });

  it('adds up the lines of one product before checking its stock', async () => {
    const store = await storeWithStock(3);
    const lines = (first: number, second: number) => [
      { productId: 'product-anvil', quantity: first },
      { productId: 'product-anvil', quantity: second },
    ];
    expect(await placeOrder(store, { ...order('order-1', 0), lines: lines(2, 2) })).toMatchObject({
      kind: 'out-of-stock',
      requested: 4,
      available: 3,
    });
    expect((await placeOrder(store, { ...order('order-1', 0), lines: lines(2, 1) })).kind).toBe(
      'placed',
    );
    expect(await available(store)).toBe(0);
  });

  it('rejects an order for a product that does not exist', async () => {
    const store = await storeWithStock(3);
    expect(await placeOrder(store, order('order-1', 1, 'product-x'))).toEqual({
      kind: 'unknown-product',
      productId: 'product-x',
    });
  });

  it('places an order id once', async () => {
    const store = await storeWithStock(3);
    expect((await placeOrder(store, order('order-1', 1))).kind).toBe('placed');
    expect(await placeOrder(store, order('order-1', 1))).toEqual({ kind: 'already-exists' });
    expect(await available(store)).toBe(2);
  });
});

describe('cancelling orders', () => {
  it('gives the stock back, in the same publication as the cancellation', async () => {
    const store = await storeWithStock(3);
    await placeOrder(store, order('order-1', 2));
    const result = await cancelOrder(store, {
      actor: 'customer:order-1',
      orderId: 'order-1',
      reason: 'Changed my mind',
    });
    expect(result.kind).toBe('cancelled');
    const page = await store.readPage((await store.head()) - 1);
    expect(page.events.map((event) => [event.entityId, event.name])).toEqual([
      ['order-1', 'OrderCancelled'],
      ['product-anvil', 'StockReleased'],
    ]);
    expect(await available(store)).toBe(3);
    expect((await loadOrder(store, 'order-1'))?.status).toBe('cancelled');
  });

  it('cancels an order once', async () => {
    const store = await storeWithStock(3);
    await placeOrder(store, order('order-1', 2));
    const cancel = { actor: 'customer:order-1', orderId: 'order-1', reason: 'Changed my mind' };
    const [first, second] = await Promise.all([
      cancelOrder(store, cancel),
      cancelOrder(store, cancel),
    ]);
    expect([first?.kind, second?.kind].sort()).toEqual(['already-cancelled', 'cancelled']);
    expect(await available(store)).toBe(3);
  });

  it('cannot cancel an order that does not exist', async () => {
    const store = await storeWithStock(3);
    expect(
      await cancelOrder(store, { actor: 'customer:x', orderId: 'order-x', reason: '' }),
    ).toEqual({
      kind: 'not-found',
    });
  });
});

describe('concurrent orders never oversell', () => {
  // better-sqlite3 is synchronous: "concurrent" here is async calls
  // interleaved at every await, which is exactly where a read goes stale.

  it('places exactly as many one-unit orders as there are units', async () => {
    const stock = 10;
    const store = await storeWithStock(stock);
    let conflicts = 0;
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        placeOrder(store, order(`order-${index}`, 1), {
          // Every conflict is another order succeeding, so stock + 1 attempts always suffice.
          maxAttempts: stock + 1,
          onConflict: () => conflicts++,
        }),
      ),
    );
    expect(kinds(results).filter((kind) => kind === 'placed')).toHaveLength(stock);
    expect(kinds(results).filter((kind) => kind === 'out-of-stock')).toHaveLength(40 - stock);
    expect(conflicts).toBeGreaterThan(0);
    expect(await available(store)).toBe(0);
    expect(await reservedInLog(store)).toBe(stock);
  });

  it('never lets the stock go below zero, at any position of the log', async () => {
    const store = await openStore();
    await stockUp(store, 'product-anvil', 7);
    await stockUp(store, 'product-rope', 5);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        placeOrder(
          store,
          {
            actor: 'customer:c',
            orderId: `order-${index}`,
            customerId: 'c',
            lines: [
              { productId: 'product-anvil', quantity: 1 + (index % 2) },
              ...(index % 3 === 0 ? [{ productId: 'product-rope', quantity: 1 }] : []),
            ],
          },
          { maxAttempts: 31 },
        ),
      ),
    );
    expect(kinds(results).every((kind) => kind === 'placed' || kind === 'out-of-stock')).toBe(true);
    const levels = new Map<string, number>();
    for await (const event of store.readAll()) {
      const change =
        event.name === 'StockReceived'
          ? event.details.quantity
          : event.name === 'StockReserved'
            ? -event.details.quantity
            : 0;
      const level = (levels.get(event.entityId) ?? 0) + change;
      expect(level, `${event.entityId} at position ${event.position}`).toBeGreaterThanOrEqual(0);
      levels.set(event.entityId, level);
    }
    expect(levels.get('product-anvil')).toBe(await available(store, 'product-anvil'));
    expect(await available(store, 'product-anvil')).toBeLessThanOrEqual(1);
  });

  it('holds across two connections to one database file', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'factline-shop-'));
    directories.push(directory);
    const file = join(directory, 'shop.db');
    const first = await openStore(file);
    const second = await openStore(file);
    await stockUp(first, 'product-anvil', 5);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, index) =>
        placeOrder(index % 2 === 0 ? first : second, order(`order-${index}`, 1), {
          maxAttempts: 6,
        }),
      ),
    );
    expect(kinds(results).filter((kind) => kind === 'placed')).toHaveLength(5);
    expect(await available(second)).toBe(0);
  });

  it('retries a conflicting order, and succeeds while stock remains', async () => {
    const store = await storeWithStock(5);
    const conflicts: ConcurrencyError[] = [];
    const results = await Promise.all([
      placeOrder(store, order('order-1', 2), { onConflict: (error) => conflicts.push(error) }),
      placeOrder(store, order('order-2', 2), { onConflict: (error) => conflicts.push(error) }),
    ]);
    expect(kinds(results)).toEqual(['placed', 'placed']);
    expect(
      results.map((result) => (result.kind === 'placed' ? result.attempts : 0)).sort(),
    ).toEqual([1, 2]);
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]).toMatchObject({
      entityId: 'product-anvil',
      expectedVersion: 1,
      actualVersion: 2,
    });
    expect(await available(store)).toBe(1);
  });

  it('gives up with the ConcurrencyError after maxAttempts', async () => {
    const store = await storeWithStock(5);
    const results = await Promise.allSettled([
      placeOrder(store, order('order-1', 1), { maxAttempts: 1 }),
      placeOrder(store, order('order-2', 1), { maxAttempts: 1 }),
    ]);
    const rejected = results.filter((result) => result.status === 'rejected');
    expect(rejected).toHaveLength(1);
    expect(isFactlineError((rejected[0] as PromiseRejectedResult).reason, 'CONCURRENCY')).toBe(
      true,
    );
    expect(await available(store)).toBe(4);
  });
});

/** Units reserved and not released, counted from the log itself. */
async function reservedInLog(store: ShopStore): Promise<number> {
  let reserved = 0;
  for await (const event of store.readAll()) {
    if (event.name === 'StockReserved') reserved += event.details.quantity;
    if (event.name === 'StockReleased') reserved -= event.details.quantity;
  }
  return reserved;
}
