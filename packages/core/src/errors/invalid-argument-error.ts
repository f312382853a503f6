import { FactlineError } from './factline-error.js';

/**
 * A call was made with arguments that can never succeed (an empty actor, the
 * same entity twice in one publication, a negative version…).
 */
export class InvalidArgumentError extends FactlineError {
  /**
   * @param message What is wrong and how to call it instead.
   */
  constructor(message: string) {
    super('INVALID_ARGUMENT', message);
  }
}
