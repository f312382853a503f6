import { type AggregateHandlers, AggregateRoot } from '@factline/core';
import { AlreadyExistsError } from './already-exists-error.js';
import { type OrderLine, type ShopEvents, shopEvents } from './shop-events.js';
import { unitsByProduct } from './units-by-product.js';

/** The events an order handles. */
export type OrderEvent = 'OrderPlaced' | 'OrderCancelled';

/** Where an order stands: `new` until it is placed. */
export type OrderStatus = 'new' | 'placed' | 'cancelled';

/**
 * A customer's order. Placing it and reserving its stock are one
 * publication (see `Shop.placeOrder`): the order decides what it is, each
 * product decides whether it has the units.
 */
export class Order extends AggregateRoot<ShopEvents, OrderEvent> {
  readonly type = 'Order';
  readonly events = shopEvents;
  status: OrderStatus = 'new';
  customerId = '';
  email = '';
  lines: readonly OrderLine[] = [];

  protected readonly handlers: AggregateHandlers<ShopEvents, OrderEvent> = {
    OrderPlaced: ({ customerId, email, lines }) => {
      this.status = 'placed';
      this.customerId = customerId;
      this.email = email;
      this.lines = lines;
    },
    OrderCancelled: () => {
      this.status = 'cancelled';
    },
  };

  /**
   * Places the order.
   *
   * @param customerId Who orders.
   * @param email Where the confirmation goes.
   * @param lines What they order: at least one line.
   * @throws {AlreadyExistsError} This order was placed already.
   */
  place(customerId: string, email: string, lines: readonly OrderLine[]): void {
    if (this.status !== 'new') throw new AlreadyExistsError(this.type, this.id);
    this.raise('OrderPlaced', { customerId, email, lines: [...lines] });
  }

  /**
   * Cancels the order. Cancelling a cancelled order does nothing, so a
   * request sent twice is harmless.
   *
   * @param reason Why, for the customer's email.
   */
  cancel(reason: string): void {
    if (this.status === 'cancelled') return;
    this.raise('OrderCancelled', { reason });
  }

  /**
   * The units of each product the order holds: a product may appear on
   * several lines, but it gets one reservation per order.
   *
   * @returns Product id → units.
   */
  unitsByProduct(): Map<string, number> {
    return unitsByProduct(this.lines);
  }
}
