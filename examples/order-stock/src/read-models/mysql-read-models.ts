import type { MysqlPool, MysqlQueryable } from '@factline/mysql';
import { type CustomerOrderRow, customerOrderFromRow } from './customer-order-row.js';
import type { CustomerOrder, ReadModels, StockChange, StockLevel } from './read-models.js';
import { type StockLevelRow, stockLevelFromRow } from './stock-level-row.js';

/** What the read models need of a mysql2 connection or pool: `execute` and `query`. */
export type MysqlHandle = Pick<MysqlQueryable, 'execute' | 'query'>;

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The read models' SQL, in `database` when given, else the connection's own. */
function statements(database: string | undefined) {
  if (database !== undefined && !identifier.test(database)) {
    throw new Error(`Not a plain database name: ${database}`);
  }
  const qualify = (table: string) => (database === undefined ? table : `\`${database}\`.${table}`);
  const stock = qualify('stock_levels');
  const orders = qualify('customer_orders');
  // Ids compare byte for byte, as the event store's do: `Anvil` is not `anvil`.
  const id = 'VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin';
  return {
    schema: [
      `CREATE TABLE IF NOT EXISTS ${stock} (
         product_id ${id} PRIMARY KEY,
         name TEXT NOT NULL,
         available INT NOT NULL,
         reserved INT NOT NULL
       ) DEFAULT CHARSET = utf8mb4`,
      `CREATE TABLE IF NOT EXISTS ${orders} (
         order_id ${id} PRIMARY KEY,
         customer_id ${id} NOT NULL,
         status VARCHAR(20) NOT NULL,
         order_lines TEXT NOT NULL,
         units INT NOT NULL,
         placed_at DATETIME(3) NOT NULL,
         INDEX customer_orders_by_customer (customer_id, placed_at)
       ) DEFAULT CHARSET = utf8mb4`,
    ],
    createStockLevel: `INSERT INTO ${stock} (product_id, name, available, reserved) VALUES (?, ?, 0, 0)
      ON DUPLICATE KEY UPDATE name = VALUES(name)`,
    changeStock: `UPDATE ${stock} SET available = available + ?, reserved = reserved + ?
      WHERE product_id = ?`,
    resetStockLevels: `DELETE FROM ${stock}`,
    addOrder: `INSERT INTO ${orders} (order_id, customer_id, status, order_lines, units, placed_at)
      VALUES (?, ?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE order_id = order_id`,
    cancelOrder: `UPDATE ${orders} SET status = 'cancelled' WHERE order_id = ?`,
    resetCustomerOrders: `DELETE FROM ${orders}`,
    stockLevels: `SELECT product_id, name, available, reserved FROM ${stock} ORDER BY product_id`,
    stockLevel: `SELECT product_id, name, available, reserved FROM ${stock} WHERE product_id = ?`,
    // DATETIME as text: mysql2 would read it as local time, but it was written in UTC.
    customerOrders: `SELECT order_id, customer_id, status, order_lines, units,
        CAST(placed_at AS CHAR) AS placed_at
      FROM ${orders} WHERE customer_id = ? ORDER BY placed_at, order_id`,
  };
}

/**
 * The read models in MySQL or MariaDB, in the event store's database, so a
 * projector's writes and its checkpoint commit in one transaction. The
 * transaction handle is the mysql2 connection the projector's transaction
 * runs on.
 */
export class MysqlReadModels implements ReadModels<MysqlHandle> {
  readonly #pool: MysqlPool;
  readonly #sql: ReturnType<typeof statements>;

  /**
   * @param pool The provider's `pool`, for queries outside projectors.
   * @param database The database the provider's tables live in; the connection's own by default.
   */
  constructor(pool: MysqlPool, database?: string) {
    this.#pool = pool;
    this.#sql = statements(database);
  }

  async migrate(): Promise<void> {
    for (const sql of this.#sql.schema) await this.#pool.query(sql);
  }

  async createStockLevel(connection: MysqlHandle, productId: string, name: string) {
    await connection.execute({ sql: this.#sql.createStockLevel }, [productId, name]);
  }

  async changeStock(connection: MysqlHandle, productId: string, change: StockChange) {
    await connection.execute({ sql: this.#sql.changeStock }, [
      change.available,
      change.reserved,
      productId,
    ]);
  }

  async resetStockLevels(connection: MysqlHandle) {
    await connection.query(this.#sql.resetStockLevels);
  }

  async addOrder(connection: MysqlHandle, order: CustomerOrder) {
    await connection.execute({ sql: this.#sql.addOrder }, [
      order.orderId,
      order.customerId,
      order.status,
      JSON.stringify(order.lines),
      order.units,
      mysqlTime(order.placedAt),
    ]);
  }

  async cancelOrder(connection: MysqlHandle, orderId: string) {
    await connection.execute({ sql: this.#sql.cancelOrder }, [orderId]);
  }

  async resetCustomerOrders(connection: MysqlHandle) {
    await connection.query(this.#sql.resetCustomerOrders);
  }

  async stockLevels(): Promise<StockLevel[]> {
    const [rows] = await this.#pool.execute({ sql: this.#sql.stockLevels });
    return (rows as StockLevelRow[]).map(stockLevelFromRow);
  }

  async stockLevel(productId: string): Promise<StockLevel | undefined> {
    const [rows] = await this.#pool.execute({ sql: this.#sql.stockLevel }, [productId]);
    const [row] = rows as StockLevelRow[];
    return row === undefined ? undefined : stockLevelFromRow(row);
  }

  async customerOrders(customerId: string): Promise<CustomerOrder[]> {
    const [rows] = await this.#pool.execute({ sql: this.#sql.customerOrders }, [customerId]);
    return (rows as CustomerOrderRow[]).map(customerOrderFromRow);
  }
}

/** An ISO time as DATETIME(3) text, in UTC. */
function mysqlTime(iso: string): string {
  return iso.replace('T', ' ').replace('Z', '');
}
