import type { OrderLine } from '../domain/shop-events.js';

/** A product's row in the stock levels read model. */
export interface StockLevel {
  readonly productId: string;
  readonly name: string;
  /** Units on the shelf that no order has reserved. */
  readonly available: number;
  /** Units held by orders that were not cancelled. */
  readonly reserved: number;
}

/** An order's row in the orders-per-customer read model. */
export interface CustomerOrder {
  readonly orderId: string;
  readonly customerId: string;
  readonly status: 'placed' | 'cancelled';
  readonly lines: readonly OrderLine[];
  /** Units over all lines. */
  readonly units: number;
  /** When it was placed, as an ISO 8601 UTC string. */
  readonly placedAt: string;
}

/** A change of a product's stock: units moved into or out of `available` and `reserved`. */
export interface StockChange {
  readonly available: number;
  readonly reserved: number;
}

/**
 * The read models' tables in one database: the writes the projectors make
 * inside their transaction (`TTransaction`: the provider's transaction
 * handle), and the queries the app reads them with. Each provider's SQL
 * differs a little — placeholders, upserts, types — so each has its own
 * implementation: `SqliteReadModels`, `PostgresReadModels`, `MysqlReadModels`.
 *
 * On SQLite the writes must be synchronous (its transactions are); on the
 * servers they return promises.
 */
export interface ReadModels<TTransaction> {
  /** Creates the tables when missing; safe on every start. */
  migrate(): Promise<void>;

  /** A product joined the catalogue. */
  createStockLevel(
    transaction: TTransaction,
    productId: string,
    name: string,
  ): void | Promise<void>;
  /** Units moved. */
  changeStock(
    transaction: TTransaction,
    productId: string,
    change: StockChange,
  ): void | Promise<void>;
  /** Empties the stock levels, for a rebuild. */
  resetStockLevels(transaction: TTransaction): void | Promise<void>;

  /** An order was placed. */
  addOrder(transaction: TTransaction, order: CustomerOrder): void | Promise<void>;
  /** An order was cancelled. */
  cancelOrder(transaction: TTransaction, orderId: string): void | Promise<void>;
  /** Empties the orders per customer, for a rebuild. */
  resetCustomerOrders(transaction: TTransaction): void | Promise<void>;

  /** Every product's stock, by product id. */
  stockLevels(): Promise<StockLevel[]>;
  /** One product's stock; `undefined` when the read model has no such product (yet). */
  stockLevel(productId: string): Promise<StockLevel | undefined>;
  /** A customer's orders, oldest first. */
  customerOrders(customerId: string): Promise<CustomerOrder[]>;
}
