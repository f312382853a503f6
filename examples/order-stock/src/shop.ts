/**
 * The shop's commands: what staff, the warehouse and customers can do. Each
 * loads the aggregates it needs, lets them decide, and saves what they
 * raised — the write side of the example. Reads go to the read models.
 */
import { isFactlineError, Repository, type RetryPolicy, retryOnConflict } from '@factline/core';
import { AlreadyExistsError } from './domain/already-exists-error.js';
import { Order } from './domain/order.js';
import { Product } from './domain/product.js';
import type { OrderLine, ShopStore } from './domain/shop-events.js';
import { unitsByProduct } from './domain/units-by-product.js';

/** Who runs a command, and why; stored with its events. */
export interface CommandOptions {
  /** Who: `staff:dana`, `customer:alice`, `system:warehouse`. */
  readonly actor: string;
  /** Ties together everything one request caused (the HTTP API sets it). */
  readonly correlationId?: string;
  /** Overrides the shop's retry policy for this call. */
  readonly retry?: RetryPolicy;
}

/** A command that wrote its events at `position`. */
export interface Written {
  readonly position: number;
}

/** What `placeOrder` did. */
export interface OrderPlacement extends Written {
  /** How many times it ran: more than 1 when concurrent orders took the products first. */
  readonly attempts: number;
}

/** What `receiveStock` did: `duplicate` when this delivery was counted before. */
export interface StockReceipt extends Written {
  readonly duplicate: boolean;
}

/** What `cancelOrder` did: nothing, when the order was cancelled already. */
export type OrderCancellation =
  | { readonly kind: 'cancelled'; readonly position: number; readonly attempts: number }
  | { readonly kind: 'unchanged' };

/**
 * The default retry policy. Under a rush on one product, each conflict
 * means another order took units, so an order meets at most as many
 * conflicts as there are units to take before it sees the shelf empty and
 * is refused; 20 retries with short waits cover a busy product.
 */
const defaultRetry: RetryPolicy = { retries: 20, baseDelay: 5, maxDelay: 100 };

/**
 * The shop's commands over an event store of the shop's events.
 *
 * @example
 * ```ts
 * const shop = new Shop(store);
 * await shop.createProduct({ productId: 'anvil', name: 'Anvil' }, { actor: 'staff:dana' });
 * await shop.receiveStock({ productId: 'anvil', quantity: 5, deliveryId: 'd-1' }, { actor: 'system:warehouse' });
 * ```
 */
export class Shop {
  readonly products: Repository<Product>;
  readonly orders: Repository<Order>;
  readonly #retry: RetryPolicy;

  /**
   * @param store The shop's event store.
   * @param config `retry`: how commands run again after a conflict.
   */
  constructor(store: ShopStore, config: { readonly retry?: RetryPolicy } = {}) {
    this.#retry = { ...defaultRetry, ...config.retry };
    this.products = new Repository(store, Product, { retry: this.#retry });
    this.orders = new Repository(store, Order, { retry: this.#retry });
  }

  /**
   * Adds a product to the catalogue, with no stock.
   *
   * @throws {AlreadyExistsError} The id is taken.
   */
  async createProduct(
    command: { readonly productId: string; readonly name: string },
    options: CommandOptions,
  ): Promise<Written> {
    try {
      const result = await this.products.create(
        command.productId,
        (product) => product.create(command.name),
        saveOptions(options),
      );
      return { position: positionOf(result) };
    } catch (error) {
      // Creating expects no entity: a conflict means the id is taken.
      if (isFactlineError(error, 'CONCURRENCY')) {
        throw new AlreadyExistsError('Product', command.productId);
      }
      throw error;
    }
  }

  /**
   * Counts a delivery in. The delivery note's number is the command id, so
   * a delivery reported twice (a retried webhook, a double click) counts once.
   *
   * @throws {AggregateNotFoundError} There is no such product.
   */
  async receiveStock(
    command: { readonly productId: string; readonly quantity: number; readonly deliveryId: string },
    options: CommandOptions,
  ): Promise<StockReceipt> {
    const result = await this.products.update(
      command.productId,
      (product) => product.receive(command.quantity, command.deliveryId),
      {
        ...saveOptions(options),
        commandId: `receive-stock:${command.productId}:${command.deliveryId}`,
        retry: this.#policy(options),
      },
    );
    return { position: positionOf(result), duplicate: result.kind === 'duplicate' };
  }

  /**
   * Corrects a product's stock after a stocktake.
   *
   * @throws {AggregateNotFoundError} There is no such product.
   * @throws {OutOfStockError} It would write off units that are not available.
   */
  async adjustStock(
    command: { readonly productId: string; readonly change: number; readonly reason: string },
    options: CommandOptions,
  ): Promise<Written> {
    const result = await this.products.update(
      command.productId,
      (product) => product.adjust(command.change, command.reason),
      { ...saveOptions(options), retry: this.#policy(options) },
    );
    return { position: positionOf(result) };
  }

  /**
   * Places an order if every product has the units: the order's
   * `OrderPlaced` and a `StockReserved` on each product are one publication,
   * each product expected at the version whose stock was checked. When a
   * concurrent order took units of a product in between, the publication
   * conflicts, nothing is written, and the order runs again on fresh stock —
   * so no order is ever placed against units that are not there.
   *
   * @throws {OutOfStockError} A product has fewer units available.
   * @throws {AggregateNotFoundError} A product does not exist.
   * @throws {AlreadyExistsError} An order with this id exists.
   */
  async placeOrder(
    command: {
      readonly orderId: string;
      readonly customerId: string;
      readonly email: string;
      readonly lines: readonly OrderLine[];
    },
    options: CommandOptions,
  ): Promise<OrderPlacement> {
    const units = unitsByProduct(command.lines);
    return retryOnConflict(async (attempts) => {
      const order = new Order(command.orderId);
      order.place(command.customerId, command.email, command.lines);
      const products = await Promise.all(
        [...units].map(async ([productId, quantity]) => {
          const product = await this.products.get(productId);
          product.reserve(order.id, quantity);
          return product;
        }),
      );
      try {
        const result = await this.orders.saveAll([order, ...products], saveOptions(options));
        return { position: positionOf(result), attempts };
      } catch (error) {
        // The order is saved expecting no entity: a conflict on it means its id is taken,
        // which no retry changes. A conflict on a product is retried.
        if (isFactlineError(error, 'CONCURRENCY') && error.entityId === order.id) {
          throw new AlreadyExistsError('Order', order.id);
        }
        throw error;
      }
    }, this.#policy(options));
  }

  /**
   * Cancels an order and gives its units back, in one publication: the
   * order's version makes sure it is cancelled, and its stock released, once.
   *
   * @throws {AggregateNotFoundError} There is no such order.
   */
  async cancelOrder(
    command: { readonly orderId: string; readonly reason: string },
    options: CommandOptions,
  ): Promise<OrderCancellation> {
    return retryOnConflict(async (attempts): Promise<OrderCancellation> => {
      const order = await this.orders.get(command.orderId);
      order.cancel(command.reason);
      if (order.pendingEvents.length === 0) return { kind: 'unchanged' };
      const products = await Promise.all(
        [...order.unitsByProduct()].map(async ([productId, quantity]) => {
          const product = await this.products.get(productId);
          product.release(order.id, quantity);
          return product;
        }),
      );
      const result = await this.orders.saveAll([order, ...products], saveOptions(options));
      return { kind: 'cancelled', position: positionOf(result), attempts };
    }, this.#policy(options));
  }

  #policy(options: CommandOptions): RetryPolicy {
    return { ...this.#retry, ...options.retry };
  }
}

/** The metadata a command's events carry. */
function saveOptions(options: CommandOptions) {
  return { actor: options.actor, correlationId: options.correlationId };
}

/** The position a save wrote at (or, for a duplicate, wrote at the first time). */
function positionOf(result: { readonly kind: string; readonly position?: number }): number {
  if (result.position === undefined) throw new Error(`The command wrote nothing (${result.kind}).`);
  return result.position;
}
