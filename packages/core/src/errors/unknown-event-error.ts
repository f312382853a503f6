import { FactlineError } from './factline-error.js';

/**
 * An event name that the store's event registry does not declare.
 */
export class UnknownEventError extends FactlineError {
  /** The name that is not declared. */
  readonly eventName: string;

  /**
   * @param eventName The name that is not declared.
   * @param known The names the registry does declare.
   */
  constructor(eventName: string, known: readonly string[]) {
    const list = known.length > 0 ? known.join(', ') : 'none';
    super(
      'UNKNOWN_EVENT',
      `Event "${eventName}" is not declared in the event registry (declared: ${list}). ` +
        'Add it to defineEvents(), or check the spelling.',
    );
    this.eventName = eventName;
  }
}
