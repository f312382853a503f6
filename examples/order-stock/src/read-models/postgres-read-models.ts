import type { PostgresClient, PostgresPool } from '@factline/postgres';
import { type CustomerOrderRow, customerOrderFromRow } from './customer-order-row.js';
import type { CustomerOrder, ReadModels, StockChange, StockLevel } from './read-models.js';
import { type StockLevelRow, stockLevelFromRow } from './stock-level-row.js';

/** What the read models need of a pg connection or pool: `query({ text, values })`. */
export type PostgresQueryable = Pick<PostgresClient, 'query'>;

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The read models' SQL for tables in `schema`. */
function statements(schema: string) {
  if (!identifier.test(schema)) throw new Error(`Not a plain schema name: ${schema}`);
  const stock = `"${schema}".stock_levels`;
  const orders = `"${schema}".customer_orders`;
  return {
    schema: [
      `CREATE TABLE IF NOT EXISTS ${stock} (
         product_id text PRIMARY KEY,
         name text NOT NULL,
         available integer NOT NULL,
         reserved integer NOT NULL)`,
      `CREATE TABLE IF NOT EXISTS ${orders} (
         order_id text PRIMARY KEY,
         customer_id text NOT NULL,
         status text NOT NULL,
         order_lines text NOT NULL,
         units integer NOT NULL,
         placed_at timestamptz NOT NULL)`,
      `CREATE INDEX IF NOT EXISTS customer_orders_by_customer ON ${orders} (customer_id, placed_at)`,
    ],
    createStockLevel: `INSERT INTO ${stock} (product_id, name, available, reserved) VALUES ($1, $2, 0, 0)
      ON CONFLICT (product_id) DO UPDATE SET name = excluded.name`,
    changeStock: `UPDATE ${stock} SET available = available + $1, reserved = reserved + $2
      WHERE product_id = $3`,
    resetStockLevels: `DELETE FROM ${stock}`,
    addOrder: `INSERT INTO ${orders} (order_id, customer_id, status, order_lines, units, placed_at)
      VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (order_id) DO NOTHING`,
    cancelOrder: `UPDATE ${orders} SET status = 'cancelled' WHERE order_id = $1`,
    resetCustomerOrders: `DELETE FROM ${orders}`,
    stockLevels: `SELECT product_id, name, available, reserved FROM ${stock}
      ORDER BY product_id COLLATE "C"`,
    stockLevel: `SELECT product_id, name, available, reserved FROM ${stock} WHERE product_id = $1`,
    customerOrders: `SELECT order_id, customer_id, status, order_lines, units, placed_at FROM ${orders}
      WHERE customer_id = $1 ORDER BY placed_at, order_id`,
  };
}

/**
 * The read models in PostgreSQL, in the event store's schema, so a
 * projector's writes and its checkpoint commit in one transaction. The
 * transaction handle is the pg client the projector's transaction runs on.
 */
export class PostgresReadModels implements ReadModels<PostgresQueryable> {
  readonly #pool: PostgresPool;
  readonly #sql: ReturnType<typeof statements>;

  /**
   * @param pool The provider's `pool`, for queries outside projectors.
   * @param schema The schema the provider's tables live in (`public` by default).
   */
  constructor(pool: PostgresPool, schema = 'public') {
    this.#pool = pool;
    this.#sql = statements(schema);
  }

  async migrate(): Promise<void> {
    for (const text of this.#sql.schema) await this.#pool.query({ text });
  }

  async createStockLevel(client: PostgresQueryable, productId: string, name: string) {
    await client.query({ text: this.#sql.createStockLevel, values: [productId, name] });
  }

  async changeStock(client: PostgresQueryable, productId: string, change: StockChange) {
    await client.query({
      text: this.#sql.changeStock,
      values: [change.available, change.reserved, productId],
    });
  }

  async resetStockLevels(client: PostgresQueryable) {
    await client.query({ text: this.#sql.resetStockLevels });
  }

  async addOrder(client: PostgresQueryable, order: CustomerOrder) {
    await client.query({
      text: this.#sql.addOrder,
      values: [
        order.orderId,
        order.customerId,
        order.status,
        JSON.stringify(order.lines),
        order.units,
        order.placedAt,
      ],
    });
  }

  async cancelOrder(client: PostgresQueryable, orderId: string) {
    await client.query({ text: this.#sql.cancelOrder, values: [orderId] });
  }

  async resetCustomerOrders(client: PostgresQueryable) {
    await client.query({ text: this.#sql.resetCustomerOrders });
  }

  async stockLevels(): Promise<StockLevel[]> {
    const { rows } = await this.#pool.query<StockLevelRow>({ text: this.#sql.stockLevels });
    return rows.map(stockLevelFromRow);
  }

  async stockLevel(productId: string): Promise<StockLevel | undefined> {
    const { rows } = await this.#pool.query<StockLevelRow>({
      text: this.#sql.stockLevel,
      values: [productId],
    });
    return rows[0] === undefined ? undefined : stockLevelFromRow(rows[0]);
  }

  async customerOrders(customerId: string): Promise<CustomerOrder[]> {
    const { rows } = await this.#pool.query<CustomerOrderRow>({
      text: this.#sql.customerOrders,
      values: [customerId],
    });
    return rows.map(customerOrderFromRow);
  }
}
