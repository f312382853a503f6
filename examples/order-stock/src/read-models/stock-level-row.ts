import type { StockLevel } from './read-models.js';

/** A `stock_levels` row as the drivers return it. */
export interface StockLevelRow {
  product_id: string;
  name: string;
  available: number | string;
  reserved: number | string;
}

/**
 * Turns a row into a {@link StockLevel}, the same on every database.
 *
 * @param row The row.
 * @returns The stock level.
 */
export function stockLevelFromRow(row: StockLevelRow): StockLevel {
  return {
    productId: row.product_id,
    name: row.name,
    available: Number(row.available),
    reserved: Number(row.reserved),
  };
}
