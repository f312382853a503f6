/**
 * A worker module whose `connect` fails, for the tests of `WriterGroup`'s
 * error reports.
 */
import type { Provider } from '@factline/core';
import type { JsonValue } from './conformance-harness.js';

/**
 * Prints a line, then fails.
 *
 * @param config Named in the error.
 * @returns Never.
 */
export async function connect(config: JsonValue): Promise<Provider> {
  console.error('the fixture is about to fail');
  throw new Error(`connect exploded for ${JSON.stringify(config)}`);
}
