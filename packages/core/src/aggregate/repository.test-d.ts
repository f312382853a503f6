import * as v from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import { defineEvents } from '../event/event-registry.js';
import type { Provider } from '../provider/provider.js';
import { EventStore } from '../store/event-store.js';
import type { AggregateHandlers } from './aggregate-handlers.js';
import { AggregateRoot } from './aggregate-root.js';
import type { CommandResult } from './command-result.js';
import { Repository } from './repository.js';
import type { SaveAllResult, SaveResult } from './save-result.js';
import { Order, Product, shopEvents } from './shop.fixture.js';

declare const provider: Provider;
const store = new EventStore({ provider, events: shopEvents });
const products = new Repository(store, Product);

const otherEvents = defineEvents({ Noted: v.object({ text: v.string() }) });
class Note extends AggregateRoot<typeof otherEvents> {
  readonly type = 'Note';
  readonly events = otherEvents;
  protected readonly handlers: AggregateHandlers<typeof otherEvents> = { Noted: () => undefined };
}

describe('Repository types', () => {
  it('infers the aggregate from its class', () => {
    expectTypeOf(products).toEqualTypeOf<Repository<Product>>();
    expectTypeOf(products.load('p')).resolves.toEqualTypeOf<Product | undefined>();
    expectTypeOf(products.get('p')).resolves.toEqualTypeOf<Product>();
    expectTypeOf(products.get('p', { asOf: { version: 3 } })).resolves.toEqualTypeOf<Product>();
  });

  it('needs a store with the aggregate’s events', () => {
    const notes = new EventStore({ provider, events: otherEvents });
    // @ts-expect-error: the store's events are not Product's
    new Repository(notes, Product);
    // @ts-expect-error: not an aggregate class
    new Repository(store, Date);
  });

  it('takes exactly one point in the past', () => {
    products.load('p', { asOf: { position: 3 } });
    products.load('p', { asOf: { time: new Date() } });
    // @ts-expect-error: a version or a position, not both
    products.load('p', { asOf: { version: 1, position: 3 } });
    // @ts-expect-error: a time is a Date
    products.load('p', { asOf: { time: '2024-01-01' } });
  });

  it('saves with an actor, and returns discriminated results', async () => {
    const product = new Product('p');
    expectTypeOf(products.save(product, { actor: 'a' })).resolves.toEqualTypeOf<SaveResult>();
    // @ts-expect-error: an actor is required
    products.save(product, { commandId: 'c' });
    // @ts-expect-error: an order is not a product
    products.save(new Order('o'), { actor: 'a' });
    const result = await products.save(product, { actor: 'a', headers: { source: 'test' } });
    if (result.kind === 'saved') expectTypeOf(result.version).toEqualTypeOf<number>();
    if (result.kind === 'duplicate') expectTypeOf(result.position).toEqualTypeOf<number>();
  });

  it('saves aggregates of any class on the same events together, and no others', () => {
    expectTypeOf(
      products.saveAll([new Product('p'), new Order('o')], { actor: 'a' }),
    ).resolves.toEqualTypeOf<SaveAllResult>();
    // @ts-expect-error: a Note's events are not the store's
    products.saveAll([new Product('p'), new Note('n')], { actor: 'a' });
  });

  it('types the command and its result', async () => {
    const result = await products.update(
      'p',
      (product) => {
        expectTypeOf(product).toEqualTypeOf<Product>();
        product.reserve('o', 1);
      },
      { actor: 'a', retry: { retries: 5 } },
    );
    expectTypeOf(result).toEqualTypeOf<CommandResult<Product>>();
    if (result.kind === 'saved') {
      expectTypeOf(result.aggregate).toEqualTypeOf<Product>();
      expectTypeOf(result.events[0]!.name).toEqualTypeOf<
        'ProductAdded' | 'StockReceived' | 'StockReserved' | 'StockReleased'
      >();
    }
    // @ts-expect-error: a duplicate has no aggregate
    if (result.kind === 'duplicate') void result.aggregate;
    await products.create('p', async (product) => product.add('Anvil'), { actor: 'a' });
    // @ts-expect-error: Product has no method `place`
    await products.create('p', (product) => product.place('c', []), { actor: 'a' });
  });
});
