import * as v from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import { type FactlineErrorCode, isFactlineError } from '../errors/factline-error.js';
import { defineEvents } from '../event/event-registry.js';
import type { AggregateEvent, AggregateHandlers } from './aggregate-handlers.js';
import { AggregateRoot } from './aggregate-root.js';
import { foldAggregate } from './fold-aggregate.js';
import type { PendingEvent } from './pending-event.js';

const events = defineEvents({
  ProductAdded: v.object({ name: v.string() }),
  StockReceived: v.object({ quantity: v.number(), note: v.optional(v.string(), '') }),
  OrderPlaced: v.object({ customerId: v.string() }),
});
type ProductEvent = 'ProductAdded' | 'StockReceived';

class Product extends AggregateRoot<typeof events, ProductEvent> {
  readonly type = 'Product';
  readonly events = events;
  available = 0;

  protected readonly handlers: AggregateHandlers<typeof events, ProductEvent> = {
    ProductAdded: (details, event) => {
      expectTypeOf(details).toEqualTypeOf<{ name: string }>();
      expectTypeOf(event).toEqualTypeOf<AggregateEvent<typeof events, 'ProductAdded'>>();
      expectTypeOf(event.name).toEqualTypeOf<'ProductAdded'>();
      expectTypeOf(event.ordinal).toEqualTypeOf<number>();
    },
    StockReceived: ({ quantity, note }) => {
      // The handler sees the schema's output: the default is filled in.
      expectTypeOf(note).toEqualTypeOf<string>();
      this.available += quantity;
    },
  };

  raises(): void {
    this.raise('ProductAdded', { name: 'Anvil' });
    // The schema's input: an optional field may be left out.
    this.raise('StockReceived', { quantity: 1 });
    // @ts-expect-error: 'StockRecieved' is not an event
    this.raise('StockRecieved', { quantity: 1 });
    // @ts-expect-error: the registry declares OrderPlaced, but Product does not handle it
    this.raise('OrderPlaced', { customerId: 'alice' });
    // @ts-expect-error: quantity is a number
    this.raise('StockReceived', { quantity: '1' });
    // @ts-expect-error: name is required
    this.raise('ProductAdded', {});
    // @ts-expect-error: the details of another event
    this.raise('ProductAdded', { quantity: 1 });
  }
}

describe('AggregateRoot types', () => {
  it('keeps raise protected: only the aggregate raises its events', () => {
    const product = new Product('product-1');
    // @ts-expect-error: raise is protected
    product.raise('ProductAdded', { name: 'Anvil' });
    // @ts-expect-error: handlers are protected
    void product.handlers;
  });

  it('types the pending events by the handled names', () => {
    const product = new Product('product-1');
    expectTypeOf(product.pendingEvents).toEqualTypeOf<
      readonly PendingEvent<typeof events, ProductEvent>[]
    >();
    const [first] = product.pendingEvents;
    if (first?.name === 'StockReceived') {
      expectTypeOf(first.details).toEqualTypeOf<{ quantity: number; note: string }>();
    }
    expectTypeOf(product.version).toEqualTypeOf<number>();
    expectTypeOf(product.type).toEqualTypeOf<string>();
  });

  it('demands one handler for every handled event, and no other', () => {
    class Missing extends AggregateRoot<typeof events, ProductEvent> {
      readonly type = 'Missing';
      readonly events = events;
      // @ts-expect-error: StockReceived has no handler
      protected readonly handlers: AggregateHandlers<typeof events, ProductEvent> = {
        ProductAdded: () => undefined,
      };
    }
    class Extra extends AggregateRoot<typeof events, ProductEvent> {
      readonly type = 'Extra';
      readonly events = events;
      protected readonly handlers: AggregateHandlers<typeof events, ProductEvent> = {
        ProductAdded: () => undefined,
        StockReceived: () => undefined,
        // @ts-expect-error: Extra does not handle OrderPlaced
        OrderPlaced: () => undefined,
      };
    }
    class WrongField extends AggregateRoot<typeof events, ProductEvent> {
      readonly type = 'WrongField';
      readonly events = events;
      protected readonly handlers: AggregateHandlers<typeof events, ProductEvent> = {
        ProductAdded: () => undefined,
        // @ts-expect-error: StockReceived has no `count`
        StockReceived: ({ count }) => count,
      };
    }
    class Mismatched extends AggregateRoot<typeof events, ProductEvent> {
      readonly type = 'Mismatched';
      readonly events = events;
      // @ts-expect-error: the handlers must cover the names the class declares
      protected readonly handlers: AggregateHandlers<typeof events, 'ProductAdded'> = {
        ProductAdded: () => undefined,
      };
    }
    // @ts-expect-error: an aggregate must say its type, its events and its handlers
    class Empty extends AggregateRoot<typeof events> {}
    expectTypeOf([Missing, Extra, WrongField, Mismatched, Empty]).not.toBeNever();
  });

  it('handles every event of the registry by default', () => {
    class All extends AggregateRoot<typeof events> {
      readonly type = 'All';
      readonly events = events;
      // @ts-expect-error: OrderPlaced needs a handler too
      protected readonly handlers: AggregateHandlers<typeof events> = {
        ProductAdded: () => undefined,
        StockReceived: () => undefined,
      };
    }
    expectTypeOf(new All('a').pendingEvents[0]?.name).toEqualTypeOf<
      'ProductAdded' | 'StockReceived' | 'OrderPlaced' | undefined
    >();
  });

  it('folds only histories of the registry’s events', () => {
    expectTypeOf(
      foldAggregate(Product, 'product-1', [{ name: 'ProductAdded', details: { name: 'A' } }]),
    ).toEqualTypeOf<Product>();
    // @ts-expect-error: the details of ProductAdded are { name }
    foldAggregate(Product, 'product-1', [{ name: 'ProductAdded', details: { sku: 'A' } }]);
    // @ts-expect-error: not an event of the registry
    foldAggregate(Product, 'product-1', [{ name: 'Nope', details: {} }]);
  });

  it('narrows the new error codes to their classes', () => {
    const error: unknown = new Error('x');
    if (isFactlineError(error, 'UNHANDLED_EVENT')) {
      expectTypeOf(error.eventName).toEqualTypeOf<string>();
      expectTypeOf(error.ordinal).toEqualTypeOf<number>();
    }
    if (isFactlineError(error, 'AGGREGATE_NOT_FOUND')) {
      expectTypeOf(error.aggregateId).toEqualTypeOf<string>();
    }
    if (isFactlineError(error, 'READ_ONLY_AGGREGATE')) {
      expectTypeOf(error.aggregateType).toEqualTypeOf<string>();
    }
    expectTypeOf<'UNHANDLED_EVENT'>().toExtend<FactlineErrorCode>();
  });
});
