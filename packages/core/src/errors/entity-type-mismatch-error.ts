import { FactlineError } from './factline-error.js';

/**
 * An entity is stored with another type than the one it was used as.
 */
export class EntityTypeMismatchError extends FactlineError {
  /** The entity. */
  readonly entityId: string;
  /** The type it was used as. */
  readonly expectedType: string;
  /** The type it is stored with. */
  readonly actualType: string;

  /**
   * @param entityId The entity.
   * @param expectedType The type it was used as.
   * @param actualType The type it is stored with.
   */
  constructor(entityId: string, expectedType: string, actualType: string) {
    super(
      'ENTITY_TYPE_MISMATCH',
      `Entity "${entityId}" is of type "${actualType}", not "${expectedType}"; nothing was written. ` +
        'Entity ids must be unique across types: prefix them with the type, e.g. "order-42".',
    );
    this.entityId = entityId;
    this.expectedType = expectedType;
    this.actualType = actualType;
  }
}
