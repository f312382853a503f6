import type { OrderLine } from './shop-events.js';

/**
 * Adds up the lines of each product.
 *
 * @param lines An order's lines.
 * @returns Product id → units, in the order products first appear.
 */
export function unitsByProduct(lines: readonly OrderLine[]): Map<string, number> {
  const units = new Map<string, number>();
  for (const { productId, quantity } of lines) {
    units.set(productId, (units.get(productId) ?? 0) + quantity);
  }
  return units;
}
