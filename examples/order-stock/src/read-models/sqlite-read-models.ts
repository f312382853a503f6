import type { SqliteDatabase, SqliteStatement } from '@factline/sqlite';
import { type CustomerOrderRow, customerOrderFromRow } from './customer-order-row.js';
import type { CustomerOrder, ReadModels, StockChange, StockLevel } from './read-models.js';
import { type StockLevelRow, stockLevelFromRow } from './stock-level-row.js';

const schema = [
  `CREATE TABLE IF NOT EXISTS stock_levels (
     product_id TEXT PRIMARY KEY,
     name TEXT NOT NULL,
     available INTEGER NOT NULL,
     reserved INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS customer_orders (
     order_id TEXT PRIMARY KEY,
     customer_id TEXT NOT NULL,
     status TEXT NOT NULL,
     order_lines TEXT NOT NULL,
     units INTEGER NOT NULL,
     placed_at TEXT NOT NULL)`,
  'CREATE INDEX IF NOT EXISTS customer_orders_by_customer ON customer_orders (customer_id, placed_at)',
];

const sql = {
  createStockLevel: `INSERT INTO stock_levels (product_id, name, available, reserved) VALUES (?, ?, 0, 0)
    ON CONFLICT (product_id) DO UPDATE SET name = excluded.name`,
  changeStock:
    'UPDATE stock_levels SET available = available + ?, reserved = reserved + ? WHERE product_id = ?',
  addOrder: `INSERT INTO customer_orders (order_id, customer_id, status, order_lines, units, placed_at)
    VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (order_id) DO NOTHING`,
  cancelOrder: "UPDATE customer_orders SET status = 'cancelled' WHERE order_id = ?",
  stockLevels: 'SELECT product_id, name, available, reserved FROM stock_levels ORDER BY product_id',
  stockLevel: 'SELECT product_id, name, available, reserved FROM stock_levels WHERE product_id = ?',
  customerOrders: `SELECT order_id, customer_id, status, order_lines, units, placed_at FROM customer_orders
    WHERE customer_id = ? ORDER BY placed_at, order_id`,
} as const;

/**
 * The read models in SQLite, in the event store's own database file, so a
 * projector's writes and its checkpoint commit in one transaction. The
 * transaction handle is the better-sqlite3 `Database` itself (one connection).
 */
export class SqliteReadModels implements ReadModels<SqliteDatabase> {
  readonly #database: SqliteDatabase;
  readonly #statements = new Map<string, SqliteStatement>();

  /** @param database The provider's `database`. */
  constructor(database: SqliteDatabase) {
    this.#database = database;
  }

  async migrate(): Promise<void> {
    for (const statement of schema) this.#database.exec(statement);
  }

  createStockLevel(db: SqliteDatabase, productId: string, name: string): void {
    this.#prepare(db, sql.createStockLevel).run(productId, name);
  }

  changeStock(db: SqliteDatabase, productId: string, change: StockChange): void {
    this.#prepare(db, sql.changeStock).run(change.available, change.reserved, productId);
  }

  resetStockLevels(db: SqliteDatabase): void {
    db.exec('DELETE FROM stock_levels');
  }

  addOrder(db: SqliteDatabase, order: CustomerOrder): void {
    this.#prepare(db, sql.addOrder).run(
      order.orderId,
      order.customerId,
      order.status,
      JSON.stringify(order.lines),
      order.units,
      order.placedAt,
    );
  }

  cancelOrder(db: SqliteDatabase, orderId: string): void {
    this.#prepare(db, sql.cancelOrder).run(orderId);
  }

  resetCustomerOrders(db: SqliteDatabase): void {
    db.exec('DELETE FROM customer_orders');
  }

  async stockLevels(): Promise<StockLevel[]> {
    const rows = this.#prepare(this.#database, sql.stockLevels).all() as StockLevelRow[];
    return rows.map(stockLevelFromRow);
  }

  async stockLevel(productId: string): Promise<StockLevel | undefined> {
    const row = this.#prepare(this.#database, sql.stockLevel).get(productId);
    return row === undefined ? undefined : stockLevelFromRow(row as StockLevelRow);
  }

  async customerOrders(customerId: string): Promise<CustomerOrder[]> {
    const rows = this.#prepare(this.#database, sql.customerOrders).all(customerId);
    return (rows as CustomerOrderRow[]).map(customerOrderFromRow);
  }

  /** Prepares a statement once; better-sqlite3 has one connection, so it runs in the transaction. */
  #prepare(db: SqliteDatabase, text: string): SqliteStatement {
    let statement = this.#statements.get(text);
    if (statement === undefined) {
      statement = db.prepare(text);
      this.#statements.set(text, statement);
    }
    return statement;
  }
}
