import { FactlineError } from './factline-error.js';

/**
 * A value that JSON cannot carry exactly (a BigInt, a cycle, a Date, NaN…).
 * Nothing was written.
 */
export class SerializationError extends FactlineError {
  /** Where in the value the problem is, e.g. `details.lines[2].price`. */
  readonly path: string;

  /**
   * @param path Where in the value the problem is.
   * @param problem What is wrong there.
   */
  constructor(path: string, problem: string) {
    super(
      'SERIALIZATION',
      `${path} ${problem}, which JSON cannot store exactly; nothing was written. ` +
        'Convert it to a string, number, boolean, null, array or plain object first.',
    );
    this.path = path;
  }
}
