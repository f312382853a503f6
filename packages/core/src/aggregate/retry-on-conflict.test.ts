import { SqliteProvider } from '@factline/sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConcurrencyError } from '../errors/concurrency-error.js';
import { isFactlineError } from '../errors/factline-error.js';
import { EventStore } from '../store/event-store.js';
import { Repository } from './repository.js';
import { retryOnConflict } from './retry-on-conflict.js';
import { Order, Product, shopEvents } from './shop.fixture.js';

let store: EventStore<typeof shopEvents>;
let products: Repository<Product>;

beforeEach(async () => {
  store = new EventStore({
    provider: new SqliteProvider({ database: ':memory:' }),
    events: shopEvents,
  });
  await store.migrate();
  products = new Repository(store, Product);
  await products.create('anvil', (product) => product.receive(3), { actor: 'warehouse' });
});

afterEach(async () => {
  await store.close();
});

/** Places an order for one anvil: the order and the reservation in one publication. */
const placeOrder = (orderId: string, attempts: number[]) =>
  retryOnConflict(
    async (attempt) => {
      attempts.push(attempt);
      const order = new Order(orderId);
      order.place('alice', [{ productId: 'anvil', quantity: 1 }]);
      const anvil = await products.get('anvil');
      anvil.reserve(orderId, 1);
      return products.saveAll([order, anvil], { actor: `customer:${orderId}` });
    },
    { retries: 5, baseDelay: 1 },
  );

describe('retryOnConflict', () => {
  it('runs a command that saves several aggregates again, from fresh reads, until it saves', async () => {
    const attempts: number[][] = [[], [], []];

    const results = await Promise.all(
      ['order-1', 'order-2', 'order-3'].map((id, index) => placeOrder(id, attempts[index] ?? [])),
    );

    expect(results.map((result) => result.kind)).toEqual(['saved', 'saved', 'saved']);
    expect(attempts.some((runs) => runs.length > 1)).toBe(true);
    for (const runs of attempts) expect(runs).toEqual(runs.map((_, index) => index + 1));
    const anvil = await products.get('anvil');
    expect(anvil.available).toBe(0);
    expect(anvil.version).toBe(3);
  });

  it('gives the ConcurrencyError to the caller after the last retry, telling onConflict of each retried one', async () => {
    const conflicts: number[] = [];
    let runs = 0;

    const error = await retryOnConflict(
      async () => {
        runs++;
        const anvil = await products.get('anvil');
        anvil.reserve(`order-${runs}`, 1);
        // Another writer gets in between every load and save.
        await products.update('anvil', (product) => product.receive(1), { actor: 'warehouse' });
        return products.save(anvil, { actor: 'customer' });
      },
      { retries: 2, baseDelay: 0, onConflict: (_, attempt) => conflicts.push(attempt) },
    ).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ConcurrencyError);
    expect(runs).toBe(3);
    expect(conflicts).toEqual([1, 2]);
    expect((await store.readEntity('anvil')).map((event) => event.name)).toEqual([
      'StockReceived',
      'StockReceived',
      'StockReceived',
      'StockReceived',
    ]);
  });

  it('does not run again after any other error, and refuses a policy it cannot follow', async () => {
    let runs = 0;
    const failure = new Error('out of anvils');

    await expect(
      retryOnConflict(async () => {
        runs++;
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(runs).toBe(1);

    const invalid = await retryOnConflict(async () => 'never', { retries: -1 }).catch(
      (caught: unknown) => caught,
    );
    expect(isFactlineError(invalid, 'INVALID_ARGUMENT')).toBe(true);
  });
});
