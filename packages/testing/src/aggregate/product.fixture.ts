/** A product whose stock orders reserve: the aggregate the helpers' tests use. */
import { type AggregateHandlers, AggregateRoot, defineEvents } from '@factline/core';
import * as v from 'valibot';

const QuantitySchema = v.pipe(v.number(), v.integer(), v.minValue(1));

export const events = defineEvents({
  ProductAdded: v.object({ name: v.pipe(v.string(), v.nonEmpty()) }),
  StockReceived: v.object({ quantity: QuantitySchema, note: v.optional(v.string(), '') }),
  StockReserved: v.object({ orderId: v.string(), quantity: QuantitySchema }),
  OrderPlaced: v.object({ customerId: v.string() }),
});

export class OutOfStockError extends Error {
  readonly code = 'OUT_OF_STOCK';

  constructor(
    readonly requested: number,
    readonly available: number,
  ) {
    super(`${available} available; ${requested} requested.`);
    this.name = 'OutOfStockError';
  }
}

type ProductEvent = 'ProductAdded' | 'StockReceived' | 'StockReserved';

export class Product extends AggregateRoot<typeof events, ProductEvent> {
  readonly type = 'Product';
  readonly events = events;
  name = '';
  available = 0;
  readonly orders = new Set<string>();

  protected readonly handlers: AggregateHandlers<typeof events, ProductEvent> = {
    ProductAdded: ({ name }) => {
      this.name = name;
    },
    StockReceived: ({ quantity }) => {
      this.available += quantity;
    },
    StockReserved: ({ orderId, quantity }) => {
      this.available -= quantity;
      this.orders.add(orderId);
    },
  };

  add(name: string): void {
    this.raise('ProductAdded', { name });
  }

  receive(quantity: number): void {
    this.raise('StockReceived', { quantity });
  }

  reserve(orderId: string, quantity: number): void {
    if (this.orders.has(orderId)) return;
    if (quantity > this.available) throw new OutOfStockError(quantity, this.available);
    this.raise('StockReserved', { orderId, quantity });
  }

  /** Checks with a price service first. */
  async reserveAfterCheck(orderId: string, quantity: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 1));
    this.reserve(orderId, quantity);
  }
}
