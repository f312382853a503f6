/**
 * The events of the shop: everything that can happen to a product or an
 * order. They are all the shop stores; aggregates, read models and emails
 * are built from them.
 */
import { defineEvents, type EventStore } from '@factline/core';
import * as v from 'valibot';

/** An id of a product or an order, as the HTTP API and the events accept it. */
export const IdSchema = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/, 'Use 1 to 100 letters, digits, or _ . : -'),
);

/** A number of units: a whole number, at least 1. */
export const QuantitySchema = v.pipe(v.number(), v.integer(), v.minValue(1));

/** One line of an order: how many units of which product. */
export const OrderLineSchema = v.object({ productId: IdSchema, quantity: QuantitySchema });

/** One line of an order. */
export type OrderLine = v.InferOutput<typeof OrderLineSchema>;

/** The events the shop writes and reads, each with the schema of its details. */
export const shopEvents = defineEvents({
  /** A product joined the catalogue, with no stock. */
  ProductCreated: v.object({ name: v.pipe(v.string(), v.trim(), v.nonEmpty()) }),
  /** A delivery brought stock; `deliveryId` is the delivery note's number. */
  StockReceived: v.object({ quantity: QuantitySchema, deliveryId: IdSchema }),
  /** A stocktake found more or fewer units than the books say (breakage, a miscount). */
  StockAdjusted: v.object({
    change: v.pipe(
      v.number(),
      v.integer(),
      v.check((change) => change !== 0, 'An adjustment changes the stock'),
    ),
    reason: v.pipe(v.string(), v.trim(), v.nonEmpty()),
  }),
  /** Units set aside for an order: no longer available to anyone else. */
  StockReserved: v.object({ orderId: IdSchema, quantity: QuantitySchema }),
  /** Units a cancelled order gave back. */
  StockReleased: v.object({ orderId: IdSchema, quantity: QuantitySchema }),
  /** A customer placed an order; its stock was reserved in the same publication. */
  OrderPlaced: v.object({
    customerId: IdSchema,
    email: v.pipe(v.string(), v.email()),
    lines: v.pipe(v.array(OrderLineSchema), v.minLength(1)),
  }),
  /** An order was cancelled; its stock was released in the same publication. */
  OrderCancelled: v.object({ reason: v.pipe(v.string(), v.trim(), v.nonEmpty()) }),
});

/** The registry's type, for aggregates, projectors and the store. */
export type ShopEvents = typeof shopEvents;

/** The shop's event store, on any provider. */
export type ShopStore = EventStore<ShopEvents>;
