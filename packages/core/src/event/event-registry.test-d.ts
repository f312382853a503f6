import * as v from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import { defineEvent } from './define-event.js';
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

const OrderPlacedV1 = v.object({ customer: v.string(), total: v.number() });
const OrderPlacedV2 = v.object({ customerId: v.string(), total: v.number() });
const OrderPlacedV3 = v.object({
  customerId: v.string(),
  total: v.object({ amount: v.number(), currency: v.optional(v.string(), 'EUR') }),
});

const evolved = defineEvents({
  ProductAdded: v.object({ sku: v.string() }),
  OrderPlaced: defineEvent({
    versions: [OrderPlacedV1, OrderPlacedV2, OrderPlacedV3],
    upcasters: {
      1: ({ customer, ...rest }) => ({ ...rest, customerId: customer }),
      2: (v2) => ({ ...v2, total: { amount: v2.total } }),
    },
  }),
  OrderShipped: defineEvent({
    schema: v.object({ carrier: v.string(), trackingCode: v.string() }),
    version: 2,
    upcasters: { 1: (v1: { carrier: string }) => ({ ...v1, trackingCode: 'unknown' }) },
  }),
});
type Evolved = typeof evolved;

describe('versioned event types', () => {
  it('infers the names of plain and versioned events alike', () => {
    expectTypeOf<EventName<Evolved>>().toEqualTypeOf<
      'ProductAdded' | 'OrderPlaced' | 'OrderShipped'
    >();
  });

  it('writes and reads the latest version', () => {
    expectTypeOf<EventDetails<Evolved, 'OrderPlaced'>>().toEqualTypeOf<{
      customerId: string;
      total: { amount: number; currency: string };
    }>();
    expectTypeOf<Extract<EventInput<Evolved>, { name: 'OrderPlaced' }>['details']>().toEqualTypeOf<{
      customerId: string;
      total: { amount: number; currency?: string | undefined };
    }>();
    expectTypeOf<EventDetails<Evolved, 'OrderShipped'>>().toEqualTypeOf<{
      carrier: string;
      trackingCode: string;
    }>();
    expectTypeOf(evolved.schema('OrderPlaced')).toEqualTypeOf<typeof OrderPlacedV3>();
    // @ts-expect-error: an old version's details are not an input any more
    const old: EventInput<Evolved> = { name: 'OrderPlaced', details: { customer: 'c', total: 1 } };
    expectTypeOf(old).not.toBeAny();
  });

  it('types each upcaster from one version to the next', () => {
    defineEvent({
      versions: [OrderPlacedV1, OrderPlacedV2],
      upcasters: {
        1: (v1) => {
          expectTypeOf(v1).toEqualTypeOf<{ customer: string; total: number }>();
          return { customerId: v1.customer, total: v1.total };
        },
      },
    });
    // The overloads report a wrong upcaster at the call.
    // @ts-expect-error: returns version 1's shape, not version 2's input
    defineEvent({ versions: [OrderPlacedV1, OrderPlacedV2], upcasters: { 1: (v1) => v1 } });
    // @ts-expect-error: the upcaster from version 2 is missing
    defineEvent({
      versions: [OrderPlacedV1, OrderPlacedV2, OrderPlacedV3],
      upcasters: { 1: ({ customer, ...rest }) => ({ ...rest, customerId: customer }) },
    });
    // @ts-expect-error: there is no version 3 to upcast to
    defineEvent({
      versions: [OrderPlacedV1, OrderPlacedV2],
      upcasters: {
        1: ({ customer, ...rest }) => ({ ...rest, customerId: customer }),
        2: (v2: unknown) => v2,
      },
    });
  });

  it('gives an unannotated upcaster of the latest-schema form unknown details', () => {
    defineEvent({
      schema: OrderPlacedV2,
      version: 2,
      upcasters: {
        1: (v1) => {
          expectTypeOf(v1).toBeUnknown();
          return v1;
        },
      },
    });
  });
});
