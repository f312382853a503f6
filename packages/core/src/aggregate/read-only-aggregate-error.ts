import { FactlineError } from '../errors/factline-error.js';
import { type AsOf, describeAsOf } from './as-of.js';

/**
 * An aggregate loaded as of a point in the past was asked to raise or save
 * events. Its past is fixed: nothing was written.
 */
export class ReadOnlyAggregateError extends FactlineError {
  /** The aggregate's type, e.g. `Product`. */
  readonly aggregateType: string;
  /** The aggregate's id. */
  readonly aggregateId: string;
  /** The point in the past it was loaded at. */
  readonly asOf: AsOf;

  /**
   * @param aggregateType The aggregate's type.
   * @param aggregateId The aggregate's id.
   * @param asOf The point in the past it was loaded at.
   */
  constructor(aggregateType: string, aggregateId: string, asOf: AsOf) {
    super(
      'READ_ONLY_AGGREGATE',
      `${aggregateType} "${aggregateId}" was loaded as of ${describeAsOf(asOf)} and is read-only: ` +
        'it can neither raise nor save events. Load it without `asOf` to change it.',
    );
    this.aggregateType = aggregateType;
    this.aggregateId = aggregateId;
    this.asOf = asOf;
  }
}
