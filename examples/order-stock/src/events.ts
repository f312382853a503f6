/**
 * The events of the shop: everything that can happen to a product or an
 * order. They are the only thing the shop stores; stock levels and order
 * states are folded from them when needed.
 */
import { defineEvents, type EventStore } from '@factline/core';
import * as v from 'valibot';

const IdSchema = v.pipe(v.string(), v.nonEmpty());
const QuantitySchema = v.pipe(v.number(), v.integer(), v.minValue(1));

/** One line of an order: how many of which product. */
export const OrderLineSchema = v.object({ productId: IdSchema, quantity: QuantitySchema });

/** The events the shop writes and reads, each with the schema of its details. */
export const shopEvents = defineEvents({
  /** A product joined the catalogue, with no stock. */
  ProductAdded: v.object({ name: v.pipe(v.string(), v.nonEmpty()) }),
  /** A delivery brought stock; `deliveryId` is the delivery note's number. */
  StockReceived: v.object({ quantity: QuantitySchema, deliveryId: IdSchema }),
  /** Stock set aside for an order: no longer available to anyone else. */
  StockReserved: v.object({ orderId: IdSchema, quantity: QuantitySchema }),
  /** Stock an order gave back when it was cancelled. */
  StockReleased: v.object({ orderId: IdSchema, quantity: QuantitySchema }),
  /** A customer placed an order; its stock was reserved in the same publication. */
  OrderPlaced: v.object({
    customerId: IdSchema,
    lines: v.pipe(v.array(OrderLineSchema), v.minLength(1)),
  }),
  /** An order was cancelled; its stock was released in the same publication. */
  OrderCancelled: v.object({ reason: v.string() }),
});

/** The shop's event store. */
export type ShopStore = EventStore<typeof shopEvents>;

/** One line of an order. */
export type OrderLine = v.InferOutput<typeof OrderLineSchema>;
