/**
 * The endpoints of the HTTP API. Commands (POST) go to the shop; reads
 * (GET) go to the read models, which follow the events a moment later —
 * pass `?position=` with the position a command returned to wait until they
 * include it.
 */
import { randomUUID } from 'node:crypto';
import * as v from 'valibot';
import type { Runner, ShopApp } from '../shop-app.js';
import { HttpError } from './http-error.js';
import {
  AdjustmentSchema,
  CancelOrderSchema,
  CreateProductSchema,
  DeliverySchema,
  PlaceOrderSchema,
} from './request-schemas.js';
import type { Reply, Route, RouteContext } from './route.js';

const segment = '([^/]+)';

/** Every route, in the order they are matched. */
export const routes: readonly Route[] = [
  {
    method: 'POST',
    pattern: /^\/products$/,
    async handle(context) {
      const { productId, name } = v.parse(CreateProductSchema, await context.body());
      const { position } = await context.app.shop.createProduct(
        { productId, name },
        commandOptions(context, 'staff'),
      );
      return { status: 201, body: { productId, position } };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/products/${segment}/deliveries$`),
    async handle(context) {
      const [productId = ''] = context.params;
      const delivery = v.parse(DeliverySchema, await context.body());
      const receipt = await context.app.shop.receiveStock(
        { productId, ...delivery },
        commandOptions(context, 'system:warehouse'),
      );
      // A delivery counted before changes nothing: 200, not 201.
      return { status: receipt.duplicate ? 200 : 201, body: { productId, ...receipt } };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/products/${segment}/adjustments$`),
    async handle(context) {
      const [productId = ''] = context.params;
      const adjustment = v.parse(AdjustmentSchema, await context.body());
      const { position } = await context.app.shop.adjustStock(
        { productId, ...adjustment },
        commandOptions(context, 'staff'),
      );
      return { status: 201, body: { productId, position } };
    },
  },
  {
    method: 'POST',
    pattern: /^\/orders$/,
    async handle(context) {
      const { orderId = `order-${randomUUID()}`, ...order } = v.parse(
        PlaceOrderSchema,
        await context.body(),
      );
      const placed = await context.app.shop.placeOrder(
        { orderId, ...order },
        commandOptions(context, `customer:${order.customerId}`),
      );
      return { status: 201, body: { orderId, status: 'placed', ...placed } };
    },
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/orders/${segment}/cancel$`),
    async handle(context) {
      const [orderId = ''] = context.params;
      const { reason } = v.parse(CancelOrderSchema, await context.body());
      const result = await context.app.shop.cancelOrder(
        { orderId, reason },
        commandOptions(context, 'customer'),
      );
      // Cancelling a cancelled order is not an error: the request's aim holds.
      return result.kind === 'cancelled'
        ? { status: 200, body: { orderId, status: 'cancelled', position: result.position } }
        : { status: 200, body: { orderId, status: 'cancelled', unchanged: true } };
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/orders/${segment}$`),
    async handle(context) {
      // Straight from the events: an order is always up to date, no read model needed.
      const order = await context.app.shop.orders.get(context.params[0] ?? '');
      const { id, status, customerId, email, lines, version } = order;
      return ok({ orderId: id, status, customerId, email, lines, version });
    },
  },
  {
    method: 'GET',
    pattern: /^\/stock$/,
    async handle(context) {
      await caughtUp(context, context.app.stockLevels);
      return ok(await context.app.readModels.stockLevels());
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/stock/${segment}$`),
    async handle(context) {
      const [productId = ''] = context.params;
      await caughtUp(context, context.app.stockLevels);
      const level = await context.app.readModels.stockLevel(productId);
      if (level === undefined) {
        throw new HttpError(404, 'NOT_FOUND', `No product "${productId}" in the stock levels.`);
      }
      return ok(level);
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/customers/${segment}/orders$`),
    async handle(context) {
      await caughtUp(context, context.app.customerOrders);
      return ok(await context.app.readModels.customerOrders(context.params[0] ?? ''));
    },
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/entities/${segment}/history$`),
    async handle(context) {
      const [id = ''] = context.params;
      return ok(await history(context.app, id));
    },
  },
  {
    method: 'GET',
    pattern: /^\/projectors$/,
    async handle(context) {
      return ok({ head: await context.app.store.head(), projectors: await context.app.reports() });
    },
  },
];

function ok(body: unknown): Reply {
  return { status: 200, body };
}

function commandOptions(context: RouteContext, fallbackActor: string) {
  return { actor: context.actor(fallbackActor), correlationId: context.correlationId };
}

/** Every event of an entity, oldest first: the whole story of a product or an order. */
async function history(app: ShopApp, id: string) {
  const entity = await app.store.getEntity(id);
  if (entity === undefined) throw new HttpError(404, 'NOT_FOUND', `There is no entity "${id}".`);
  const events = await app.store.readEntity(id);
  return {
    ...entity,
    events: events.map((event) => ({
      ordinal: event.ordinal,
      position: event.position,
      name: event.name,
      details: event.details,
      actor: event.actor,
      timestamp: event.timestamp.toISOString(),
      id: event.id,
      metadata: event.metadata,
    })),
  };
}

/**
 * With `?position=N`, waits until the read model has handled position N —
 * read your own writes. 503 when it has not within five seconds.
 */
async function caughtUp(context: RouteContext, runner: Runner): Promise<void> {
  const wanted = context.url.searchParams.get('position');
  if (wanted === null) return;
  const position = Number(wanted);
  if (!Number.isSafeInteger(position) || position < 0) {
    throw new HttpError(400, 'BAD_REQUEST', '`position` must be a whole number >= 0.');
  }
  try {
    await context.app.waitFor(position, [runner], 5000);
  } catch (error) {
    throw new HttpError(503, 'NOT_CAUGHT_UP', (error as Error).message, { 'Retry-After': '1' });
  }
}
