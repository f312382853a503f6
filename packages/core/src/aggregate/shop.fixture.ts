/**
 * The order/stock domain of the aggregate tests: products whose stock is
 * received, reserved by orders and released again.
 */
import * as v from 'valibot';
import { defineEvents } from '../event/event-registry.js';
import type { AggregateHandlers } from './aggregate-handlers.js';
import { AggregateRoot } from './aggregate-root.js';

const QuantitySchema = v.pipe(v.number(), v.integer(), v.minValue(1));

export const shopEvents = defineEvents({
  ProductAdded: v.object({ name: v.pipe(v.string(), v.nonEmpty()) }),
  StockReceived: v.object({
    quantity: QuantitySchema,
    deliveryId: v.optional(v.string(), 'unknown'),
  }),
  StockReserved: v.object({ orderId: v.string(), quantity: QuantitySchema }),
  StockReleased: v.object({ orderId: v.string(), quantity: QuantitySchema }),
  OrderPlaced: v.object({
    customerId: v.string(),
    lines: v.array(v.object({ productId: v.string(), quantity: QuantitySchema })),
  }),
  OrderCancelled: v.object({ reason: v.string() }),
});

/** A product does not have the stock an order asks for. */
export class OutOfStockError extends Error {
  readonly code = 'OUT_OF_STOCK';

  constructor(
    readonly productId: string,
    readonly requested: number,
    readonly available: number,
  ) {
    super(`Product "${productId}" has ${available} available; ${requested} requested.`);
    this.name = 'OutOfStockError';
  }
}

export type ProductEvent = 'ProductAdded' | 'StockReceived' | 'StockReserved' | 'StockReleased';

export class Product extends AggregateRoot<typeof shopEvents, ProductEvent> {
  readonly type = 'Product';
  readonly events = shopEvents;
  name = '';
  available = 0;
  readonly reservations = new Map<string, number>();
  /** Every ordinal the handlers saw, in order. */
  readonly applied: number[] = [];

  protected readonly handlers: AggregateHandlers<typeof shopEvents, ProductEvent> = {
    ProductAdded: ({ name }, { ordinal }) => {
      this.name = name;
      this.applied.push(ordinal);
    },
    StockReceived: ({ quantity }, { ordinal }) => {
      this.available += quantity;
      this.applied.push(ordinal);
    },
    StockReserved: ({ orderId, quantity }, { ordinal }) => {
      this.available -= quantity;
      this.reservations.set(orderId, quantity);
      this.applied.push(ordinal);
    },
    StockReleased: ({ orderId, quantity }, { ordinal }) => {
      this.available += quantity;
      this.reservations.delete(orderId);
      this.applied.push(ordinal);
    },
  };

  add(name: string): void {
    if (this.name !== '') throw new Error(`Product "${this.id}" was added already.`);
    this.raise('ProductAdded', { name });
  }

  receive(quantity: number, deliveryId?: string): void {
    this.raise('StockReceived', deliveryId === undefined ? { quantity } : { quantity, deliveryId });
  }

  /** Reserves stock for an order; reserving for the same order again does nothing. */
  reserve(orderId: string, quantity: number): void {
    if (this.reservations.has(orderId)) return;
    if (quantity > this.available) throw new OutOfStockError(this.id, quantity, this.available);
    this.raise('StockReserved', { orderId, quantity });
  }

  release(orderId: string): void {
    const quantity = this.reservations.get(orderId);
    if (quantity !== undefined) this.raise('StockReleased', { orderId, quantity });
  }
}

export type OrderEvent = 'OrderPlaced' | 'OrderCancelled';

export class Order extends AggregateRoot<typeof shopEvents, OrderEvent> {
  readonly type = 'Order';
  readonly events = shopEvents;
  status: 'new' | 'placed' | 'cancelled' = 'new';

  protected readonly handlers: AggregateHandlers<typeof shopEvents, OrderEvent> = {
    OrderPlaced: () => {
      this.status = 'placed';
    },
    OrderCancelled: () => {
      this.status = 'cancelled';
    },
  };

  place(customerId: string, lines: { productId: string; quantity: number }[]): void {
    if (this.status !== 'new') throw new Error(`Order "${this.id}" was placed already.`);
    this.raise('OrderPlaced', { customerId, lines });
  }

  cancel(reason: string): void {
    if (this.status === 'placed') this.raise('OrderCancelled', { reason });
  }
}
