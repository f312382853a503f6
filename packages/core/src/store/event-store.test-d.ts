import * as v from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import { type FactlineErrorCode, isFactlineError } from '../errors/factline-error.js';
import { defineEvents } from '../event/event-registry.js';
import type { Provider } from '../provider/provider.js';
import { EventStore } from './event-store.js';
import type { PublishResult } from './publication.js';

declare const provider: Provider;
const store = new EventStore({
  provider,
  events: defineEvents({
    ProductAdded: v.object({ sku: v.string() }),
    StockReceived: v.object({ quantity: v.number() }),
  }),
});

describe('EventStore types', () => {
  it('publishes only declared events with their own details', () => {
    expectTypeOf(
      store.publish({
        actor: 'user:1',
        entities: [
          {
            id: 'product-1',
            type: 'Product',
            expectedVersion: 'new',
            events: [
              { name: 'ProductAdded', details: { sku: 'A' } },
              { name: 'StockReceived', details: { quantity: 3 } },
            ],
          },
        ],
      }),
    ).resolves.toEqualTypeOf<PublishResult>();

    store.publish({
      actor: 'user:1',
      entities: [
        {
          id: 'product-1',
          type: 'Product',
          expectedVersion: 0,
          // @ts-expect-error: misspelt event name
          events: [{ name: 'StockRecieved', details: { quantity: 3 } }],
        },
      ],
    });
    store.publish({
      actor: 'user:1',
      entities: [
        {
          id: 'product-1',
          type: 'Product',
          expectedVersion: 0,
          // @ts-expect-error: quantity is a number
          events: [{ name: 'StockReceived', details: { quantity: '3' } }],
        },
      ],
    });
  });

  it('requires an actor and an expected version', () => {
    // @ts-expect-error: no actor
    store.publish({ entities: [] });
    store.publish({
      actor: 'user:1',
      entities: [
        // @ts-expect-error: no expectedVersion
        { id: 'p', type: 'Product', events: [{ name: 'ProductAdded', details: { sku: 'A' } }] },
      ],
    });
  });

  it('narrows read events by name', async () => {
    for (const event of await store.readEntity('product-1')) {
      if (event.name === 'StockReceived')
        expectTypeOf(event.details).toEqualTypeOf<{ quantity: number }>();
      else expectTypeOf(event.details).toEqualTypeOf<{ sku: string }>();
      expectTypeOf(event.timestamp).toEqualTypeOf<Date>();
    }
    for await (const event of store.readAll()) {
      expectTypeOf(event.name).toEqualTypeOf<'ProductAdded' | 'StockReceived'>();
    }
  });
});

describe('error guards', () => {
  it('narrow to the class behind the code', () => {
    const error: unknown = new Error('x');
    if (isFactlineError(error, 'CONCURRENCY')) {
      expectTypeOf(error.actualVersion).toEqualTypeOf<number | null>();
    }
    if (isFactlineError(error, 'VALIDATION')) expectTypeOf(error.eventName).toEqualTypeOf<string>();
    if (isFactlineError(error)) expectTypeOf(error.code).toEqualTypeOf<FactlineErrorCode>();
  });
});
