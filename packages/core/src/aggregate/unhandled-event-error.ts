import { FactlineError } from '../errors/factline-error.js';

/**
 * An aggregate met an event it declares no handler for: a stored event while
 * it was loaded, or an event raised around the types (from JavaScript, or
 * through a cast). Nothing was written.
 */
export class UnhandledEventError extends FactlineError {
  /** The aggregate's type, e.g. `Product`. */
  readonly aggregateType: string;
  /** The aggregate's id. */
  readonly aggregateId: string;
  /** The event without a handler. */
  readonly eventName: string;
  /** The event's ordinal in the aggregate's history. */
  readonly ordinal: number;

  /**
   * @param aggregateType The aggregate's type.
   * @param aggregateId The aggregate's id.
   * @param eventName The event without a handler.
   * @param ordinal The event's ordinal.
   */
  constructor(aggregateType: string, aggregateId: string, eventName: string, ordinal: number) {
    super(
      'UNHANDLED_EVENT',
      `${aggregateType} "${aggregateId}" has no handler for event "${eventName}" (ordinal ${ordinal}). ` +
        `Add a handler for it to ${aggregateType}'s handlers (an empty one to ignore it), ` +
        `or check that the entity really is a ${aggregateType}.`,
    );
    this.aggregateType = aggregateType;
    this.aggregateId = aggregateId;
    this.eventName = eventName;
    this.ordinal = ordinal;
  }
}
