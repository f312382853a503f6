/**
 * What each command's request body must look like. Parsing with these
 * turns a bad body into valibot's issues, and those into a 400.
 */
import * as v from 'valibot';
import { IdSchema, OrderLineSchema, QuantitySchema } from '../domain/shop-events.js';

const TextSchema = v.pipe(v.string(), v.trim(), v.nonEmpty(), v.maxLength(500));

/** `POST /products` */
export const CreateProductSchema = v.strictObject({ productId: IdSchema, name: TextSchema });

/** `POST /products/:id/deliveries` */
export const DeliverySchema = v.strictObject({ quantity: QuantitySchema, deliveryId: IdSchema });

/** `POST /products/:id/adjustments` */
export const AdjustmentSchema = v.strictObject({
  change: v.pipe(v.number(), v.integer()),
  reason: TextSchema,
});

/** `POST /orders`; without `orderId`, the server makes one. */
export const PlaceOrderSchema = v.strictObject({
  orderId: v.optional(IdSchema),
  customerId: IdSchema,
  email: v.pipe(v.string(), v.email()),
  lines: v.pipe(v.array(OrderLineSchema), v.minLength(1), v.maxLength(100)),
});

/** `POST /orders/:id/cancel` */
export const CancelOrderSchema = v.strictObject({
  reason: v.optional(TextSchema, 'cancelled by the customer'),
});
