import {
  type AggregateHandlers,
  AggregateRoot,
  type SnapshotPolicy,
  type Snapshottable,
} from '@factline/core';
import { AlreadyExistsError } from './already-exists-error.js';
import { OutOfStockError } from './out-of-stock-error.js';
import { type ShopEvents, shopEvents } from './shop-events.js';

/** The events a product handles; the order's events are the order's. */
export type ProductEvent =
  | 'ProductCreated'
  | 'StockReceived'
  | 'StockAdjusted'
  | 'StockReserved'
  | 'StockReleased';

/** A product's state as a snapshot stores it. */
interface ProductSnapshot {
  readonly name: string;
  readonly available: number;
  readonly reserved: number;
}

/**
 * A product of the catalogue and its stock. Its invariant: `available`
 * never goes below zero — no order reserves, and no stocktake writes off,
 * units that are not there.
 *
 * Every order touches its products, so a product's history grows with the
 * shop's sales: it is snapshotted every 100 events, so a load folds at most
 * 99 events after the snapshot.
 */
export class Product
  extends AggregateRoot<ShopEvents, ProductEvent>
  implements Snapshottable<ProductSnapshot>
{
  static readonly snapshot: SnapshotPolicy = { every: 100, version: 1 };

  readonly type = 'Product';
  readonly events = shopEvents;
  /** Its name in the catalogue; empty until it is created. */
  name = '';
  /** Units on the shelf that no order has reserved. */
  available = 0;
  /** Units reserved by orders that were not cancelled. */
  reserved = 0;

  protected readonly handlers: AggregateHandlers<ShopEvents, ProductEvent> = {
    ProductCreated: ({ name }) => {
      this.name = name;
    },
    StockReceived: ({ quantity }) => {
      this.available += quantity;
    },
    StockAdjusted: ({ change }) => {
      this.available += change;
    },
    StockReserved: ({ quantity }) => {
      this.available -= quantity;
      this.reserved += quantity;
    },
    StockReleased: ({ quantity }) => {
      this.available += quantity;
      this.reserved -= quantity;
    },
  };

  /**
   * Adds the product to the catalogue.
   *
   * @param name Its name.
   * @throws {AlreadyExistsError} It was created already.
   */
  create(name: string): void {
    if (this.name !== '') throw new AlreadyExistsError(this.type, this.id);
    this.raise('ProductCreated', { name });
  }

  /**
   * Counts a delivery in. A delivery reported twice is stopped by its
   * command id (see `Shop.receiveStock`), not here: the product does not
   * keep every delivery note it ever saw.
   *
   * @param quantity Units delivered.
   * @param deliveryId The delivery note's number.
   */
  receive(quantity: number, deliveryId: string): void {
    this.raise('StockReceived', { quantity, deliveryId });
  }

  /**
   * Corrects the stock after a stocktake.
   *
   * @param change Units found (> 0) or missing (< 0).
   * @param reason Why, for the books.
   * @throws {OutOfStockError} It would write off units that are reserved or not there.
   */
  adjust(change: number, reason: string): void {
    if (change < 0 && -change > this.available) {
      throw new OutOfStockError(this.id, -change, this.available);
    }
    this.raise('StockAdjusted', { change, reason });
  }

  /**
   * Sets units aside for an order.
   *
   * @param orderId The order.
   * @param quantity Units it takes.
   * @throws {OutOfStockError} Fewer units are available.
   */
  reserve(orderId: string, quantity: number): void {
    if (quantity > this.available) throw new OutOfStockError(this.id, quantity, this.available);
    this.raise('StockReserved', { orderId, quantity });
  }

  /**
   * Gives back the units a cancelled order had reserved. The order knows
   * what it reserved and is cancelled only once (its version guards that),
   * so the product need not remember every order.
   *
   * @param orderId The cancelled order.
   * @param quantity Units it had reserved.
   */
  release(orderId: string, quantity: number): void {
    if (quantity > this.reserved) {
      throw new Error(`${this.id} has ${this.reserved} reserved; cannot release ${quantity}.`);
    }
    this.raise('StockReleased', { orderId, quantity });
  }

  toSnapshot(): ProductSnapshot {
    return { name: this.name, available: this.available, reserved: this.reserved };
  }

  fromSnapshot(state: ProductSnapshot): void {
    this.name = state.name;
    this.available = state.available;
    this.reserved = state.reserved;
  }
}
