import { ShopError } from './shop-error.js';

/** A product or an order was created with an id that is taken. Nothing was written. */
export class AlreadyExistsError extends ShopError {
  /** `Product` or `Order`. */
  readonly entityType: string;
  /** The id that is taken. */
  readonly entityId: string;

  /**
   * @param entityType `Product` or `Order`.
   * @param entityId The id that is taken.
   */
  constructor(entityType: string, entityId: string) {
    super('ALREADY_EXISTS', `${entityType} "${entityId}" exists already. Choose another id.`);
    this.entityType = entityType;
    this.entityId = entityId;
  }
}
