import * as v from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import type { EventDetails, EventInput, EventName } from './event-registry.js';
import { defineEvents } from './event-registry.js';

const events = defineEvents({
  ProductAdded: v.object({ sku: v.string() }),
  StockReceived: v.object({ quantity: v.pipe(v.string(), v.transform(Number)) }),
});
type Events = typeof events;

describe('event types', () => {
  it('infers the names', () => {
    expectTypeOf<EventName<Events>>().toEqualTypeOf<'ProductAdded' | 'StockReceived'>();
  });

  it('writes the schema input and reads the schema output', () => {
    expectTypeOf<EventInput<Events>>().toEqualTypeOf<
      | { readonly name: 'ProductAdded'; readonly details: { sku: string } }
      | { readonly name: 'StockReceived'; readonly details: { quantity: string } }
    >();
    expectTypeOf<EventDetails<Events, 'StockReceived'>>().toEqualTypeOf<{ quantity: number }>();
  });

  it('makes a misspelt name or a wrong field a compile error', () => {
    const ok: EventInput<Events> = { name: 'ProductAdded', details: { sku: 'A' } };
    expectTypeOf(ok).toMatchTypeOf<EventInput<Events>>();
    // @ts-expect-error: no such event
    const misspelt: EventInput<Events> = { name: 'ProductAded', details: { sku: 'A' } };
    // @ts-expect-error: the field is `sku`
    const wrongField: EventInput<Events> = { name: 'ProductAdded', details: { skew: 'A' } };
    // @ts-expect-error: details of another event
    const crossed: EventInput<Events> = { name: 'StockReceived', details: { sku: 'A' } };
    expectTypeOf([misspelt, wrongField, crossed]).not.toBeAny();
  });
});
