/**
 * The shop's commands. Each one reads the entities it decides on, decides,
 * and publishes its events with the versions it read: if another writer
 * changed one of those entities in between, the publication is rejected
 * whole (a ConcurrencyError) and the command runs again on fresh state.
 *
 * That is how an order never oversells: it reserves stock on every product
 * it takes from in the same publication as the order itself, each product at
 * the version whose stock level it checked.
 */
import { type ConcurrencyError, isFactlineError } from '@factline/core';
import type { OrderLine, ShopStore } from './events.js';

/** A product, folded from its events. */
export interface Product {
  readonly id: string;
  readonly name: string;
  /** Received, minus reserved, plus released: what orders may still take. */
  readonly available: number;
  /** The ordinal of its latest event, to expect when publishing. */
  readonly version: number;
}

/** An order, folded from its events. */
export interface Order {
  readonly id: string;
  readonly customerId: string;
  readonly lines: readonly OrderLine[];
  readonly status: 'placed' | 'cancelled';
  readonly version: number;
}

/** How a command retries when another writer changed what it read. */
export interface RetryOptions {
  /** Attempts in all before the ConcurrencyError is thrown (default 10). */
  readonly maxAttempts?: number;
  /** Called with each conflict, before the next attempt. */
  readonly onConflict?: (error: ConcurrencyError, attempt: number) => void;
}

export type AddProductResult = { kind: 'added'; position: number } | { kind: 'already-exists' };

export type ReceiveStockResult =
  | { kind: 'received'; position: number; duplicate: boolean }
  | { kind: 'unknown-product' };

export type PlaceOrderResult =
  | { kind: 'placed'; position: number; attempts: number }
  | {
      kind: 'out-of-stock';
      productId: string;
      requested: number;
      available: number;
      attempts: number;
    }
  | { kind: 'unknown-product'; productId: string }
  | { kind: 'already-exists' };

export type CancelOrderResult =
  | { kind: 'cancelled'; position: number }
  | { kind: 'not-found' }
  | { kind: 'already-cancelled' };

/**
 * Reads a product's events and folds them into its stock level.
 *
 * @returns The product, or `undefined` when there is none with this id.
 */
export async function loadProduct(
  store: ShopStore,
  productId: string,
): Promise<Product | undefined> {
  const history = await store.readEntity(productId);
  const first = history[0];
  if (first?.name !== 'ProductAdded') return undefined;
  let available = 0;
  for (const event of history) {
    if (event.name === 'StockReceived') available += event.details.quantity;
    else if (event.name === 'StockReserved') available -= event.details.quantity;
    else if (event.name === 'StockReleased') available += event.details.quantity;
  }
  return { id: productId, name: first.details.name, available, version: lastOrdinal(history) };
}

/**
 * Reads an order's events and folds them into its state.
 *
 * @returns The order, or `undefined` when there is none with this id.
 */
export async function loadOrder(store: ShopStore, orderId: string): Promise<Order | undefined> {
  const history = await store.readEntity(orderId);
  const first = history[0];
  if (first?.name !== 'OrderPlaced') return undefined;
  const cancelled = history.some((event) => event.name === 'OrderCancelled');
  return {
    id: orderId,
    customerId: first.details.customerId,
    lines: first.details.lines,
    status: cancelled ? 'cancelled' : 'placed',
    version: lastOrdinal(history),
  };
}

/** Adds a product to the catalogue, with no stock. */
export async function addProduct(
  store: ShopStore,
  command: { actor: string; productId: string; name: string },
): Promise<AddProductResult> {
  try {
    const { position } = await store.publish({
      actor: command.actor,
      entities: [
        {
          id: command.productId,
          type: 'Product',
          expectedVersion: 'new',
          events: [{ name: 'ProductAdded', details: { name: command.name } }],
        },
      ],
    });
    return { kind: 'added', position };
  } catch (error) {
    // Expecting 'new' fails only when the product is there already.
    if (isFactlineError(error, 'CONCURRENCY')) return { kind: 'already-exists' };
    throw error;
  }
}

/**
 * Adds a delivery's stock to a product. The delivery note's id is the
 * command id, so a delivery reported twice (a retried webhook, a double
 * click) is counted once.
 */
export async function receiveStock(
  store: ShopStore,
  command: { actor: string; productId: string; quantity: number; deliveryId: string },
  options: RetryOptions = {},
): Promise<ReceiveStockResult> {
  return retryOnConflict(async () => {
    const product = await loadProduct(store, command.productId);
    if (product === undefined) return { kind: 'unknown-product' };
    const result = await store.publish({
      actor: command.actor,
      commandId: `receive-stock:${command.deliveryId}:${command.productId}`,
      entities: [
        {
          id: product.id,
          type: 'Product',
          expectedVersion: product.version,
          events: [
            {
              name: 'StockReceived',
              details: { quantity: command.quantity, deliveryId: command.deliveryId },
            },
          ],
        },
      ],
    });
    return { kind: 'received', position: result.position, duplicate: result.duplicate };
  }, options);
}

/**
 * Places an order if every product has the stock for it: one publication
 * holds the order's `OrderPlaced` and a `StockReserved` on each product,
 * each product expected at the version whose stock was checked. A concurrent
 * order that took the same stock first makes it conflict and check again.
 */
export async function placeOrder(
  store: ShopStore,
  command: { actor: string; orderId: string; customerId: string; lines: readonly OrderLine[] },
  options: RetryOptions = {},
): Promise<PlaceOrderResult> {
  const wanted = quantitiesByProduct(command.lines);
  return retryOnConflict(async (attempts): Promise<PlaceOrderResult> => {
    if ((await store.getEntity(command.orderId)) !== undefined) return { kind: 'already-exists' };
    const reservations: { product: Product; quantity: number }[] = [];
    for (const [productId, quantity] of wanted) {
      const product = await loadProduct(store, productId);
      if (product === undefined) return { kind: 'unknown-product', productId };
      if (product.available < quantity) {
        return {
          kind: 'out-of-stock',
          productId,
          requested: quantity,
          available: product.available,
          attempts,
        };
      }
      reservations.push({ product, quantity });
    }
    const { position } = await store.publish({
      actor: command.actor,
      entities: [
        {
          id: command.orderId,
          type: 'Order',
          expectedVersion: 'new',
          events: [
            {
              name: 'OrderPlaced',
              details: { customerId: command.customerId, lines: [...command.lines] },
            },
          ],
        },
        ...reservations.map(({ product, quantity }) => ({
          id: product.id,
          type: 'Product',
          expectedVersion: product.version,
          events: [
            { name: 'StockReserved' as const, details: { orderId: command.orderId, quantity } },
          ],
        })),
      ],
    });
    return { kind: 'placed', position, attempts };
  }, options);
}

/**
 * Cancels a placed order and gives its stock back, in one publication.
 */
export async function cancelOrder(
  store: ShopStore,
  command: { actor: string; orderId: string; reason: string },
  options: RetryOptions = {},
): Promise<CancelOrderResult> {
  return retryOnConflict(async (): Promise<CancelOrderResult> => {
    const order = await loadOrder(store, command.orderId);
    if (order === undefined) return { kind: 'not-found' };
    if (order.status === 'cancelled') return { kind: 'already-cancelled' };
    const { position } = await store.publish({
      actor: command.actor,
      entities: [
        {
          // The order's version guards against cancelling it twice.
          id: order.id,
          type: 'Order',
          expectedVersion: order.version,
          events: [{ name: 'OrderCancelled', details: { reason: command.reason } }],
        },
        // Giving stock back depends on nothing the product holds, so it needs
        // no version check: 'any' spares it conflicts with busy products.
        ...[...quantitiesByProduct(order.lines)].map(([productId, quantity]) => ({
          id: productId,
          type: 'Product',
          expectedVersion: 'any' as const,
          events: [{ name: 'StockReleased' as const, details: { orderId: order.id, quantity } }],
        })),
      ],
    });
    return { kind: 'cancelled', position };
  }, options);
}

/** Adds up the lines of each product: one entry per product in a publication. */
function quantitiesByProduct(lines: readonly OrderLine[]): Map<string, number> {
  const wanted = new Map<string, number>();
  for (const { productId, quantity } of lines) {
    wanted.set(productId, (wanted.get(productId) ?? 0) + quantity);
  }
  return wanted;
}

function lastOrdinal(history: readonly { ordinal: number }[]): number {
  return (history[history.length - 1] as { ordinal: number }).ordinal;
}

/**
 * Runs a command again, from its reads, while it fails with a
 * ConcurrencyError. No back-off: every conflict means another writer
 * succeeded, so each round makes progress.
 */
async function retryOnConflict<T>(
  run: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 10;
  for (let attempt = 1; ; attempt++) {
    try {
      return await run(attempt);
    } catch (error) {
      if (!isFactlineError(error, 'CONCURRENCY') || attempt >= maxAttempts) throw error;
      options.onConflict?.(error as ConcurrencyError, attempt);
    }
  }
}
