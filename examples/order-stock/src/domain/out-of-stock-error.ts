import { ShopError } from './shop-error.js';

/**
 * A product has fewer units available than a command wants to take: an
 * order's reservation, or a stocktake that writes off more than is there.
 * Nothing was written.
 */
export class OutOfStockError extends ShopError {
  /** The product that is short. */
  readonly productId: string;
  /** How many units were wanted. */
  readonly requested: number;
  /** How many were available (not reserved by other orders). */
  readonly available: number;

  /**
   * @param productId The product that is short.
   * @param requested How many units were wanted.
   * @param available How many were available.
   */
  constructor(productId: string, requested: number, available: number) {
    super(
      'OUT_OF_STOCK',
      `${productId} is out of stock: ${requested} wanted, ${available} available. Nothing was written.`,
    );
    this.productId = productId;
    this.requested = requested;
    this.available = available;
  }
}
