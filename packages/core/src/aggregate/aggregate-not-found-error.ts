import { FactlineError } from '../errors/factline-error.js';
import { type AsOf, describeAsOf } from './as-of.js';

/**
 * There is no aggregate with this id — or there was none yet at the point in
 * the past it was asked for.
 */
export class AggregateNotFoundError extends FactlineError {
  /** The aggregate's type, e.g. `Product`. */
  readonly aggregateType: string;
  /** The id that was asked for. */
  readonly aggregateId: string;
  /** The point in the past it was asked for, if any. */
  readonly asOf: AsOf | undefined;

  /**
   * @param aggregateType The aggregate's type.
   * @param aggregateId The id that was asked for.
   * @param asOf The point in the past it was asked for, if any.
   */
  constructor(aggregateType: string, aggregateId: string, asOf?: AsOf) {
    const when = asOf === undefined ? '' : ` as of ${describeAsOf(asOf)}`;
    super(
      'AGGREGATE_NOT_FOUND',
      `There is no ${aggregateType} "${aggregateId}"${when}. ` +
        'Check the id, or create the aggregate first.',
    );
    this.aggregateType = aggregateType;
    this.aggregateId = aggregateId;
    this.asOf = asOf;
  }
}
