import type { OrderLine } from '../domain/shop-events.js';
import type { CustomerOrder } from './read-models.js';

/** A `customer_orders` row as the drivers return it. */
export interface CustomerOrderRow {
  order_id: string;
  customer_id: string;
  status: string;
  order_lines: string;
  units: number | string;
  /** SQLite: ISO text; PostgreSQL: a `Date`; MySQL: `YYYY-MM-DD hh:mm:ss.sss` text in UTC. */
  placed_at: string | Date;
}

/**
 * Turns a row into a {@link CustomerOrder}, the same on every database.
 *
 * @param row The row.
 * @returns The order.
 */
export function customerOrderFromRow(row: CustomerOrderRow): CustomerOrder {
  return {
    orderId: row.order_id,
    customerId: row.customer_id,
    status: row.status === 'cancelled' ? 'cancelled' : 'placed',
    lines: JSON.parse(row.order_lines) as OrderLine[],
    units: Number(row.units),
    placedAt: isoTime(row.placed_at),
  };
}

function isoTime(value: string | Date): string {
  if (value instanceof Date) return value.toISOString();
  // MySQL's DATETIME text has a space and no zone; the value was written in UTC.
  return value.includes('T') ? value : `${value.replace(' ', 'T')}Z`;
}
