import { expect } from 'vitest';
import type { ConformanceStore } from './conformance-events.js';
import { change, publication } from './publication-builders.js';
import { captureStoreState, type StoreState } from './store-state.js';

let probes = 0;

/**
 * Runs an attempt that must write nothing, and checks that it did not: the
 * head, the named entities, their histories and the whole log are the same
 * afterwards, seen through every given connection, and the next publication
 * gets the very next position (a failed one must not have used it up).
 *
 * @param stores The store that attempts, then other connections to check through.
 * @param entityIds Every entity the attempt touches.
 * @param attempt What must write nothing.
 * @returns What the attempt returned.
 */
export async function expectNothingWritten<T>(
  stores: readonly [ConformanceStore, ...ConformanceStore[]],
  entityIds: readonly string[],
  attempt: () => Promise<T>,
): Promise<T> {
  const before = await Promise.all(stores.map((store) => captureStoreState(store, entityIds)));
  const value = await attempt();
  const after = await Promise.all(stores.map((store) => captureStoreState(store, entityIds)));
  expect(after).toEqual(before);
  const { head } = before[0] as StoreState;
  const probe = `probe-${++probes}`;
  const next = await stores[0].publish(publication([change(probe, 'new', ['probe'])]));
  expect(next.position, 'the next publication takes the very next position').toBe(head + 1);
  return value;
}

/**
 * Waits for a promise that must reject.
 *
 * @param promise The promise.
 * @returns Its rejection reason.
 * @throws {Error} When it resolves.
 */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  let value: unknown;
  try {
    value = await promise;
  } catch (error) {
    return error;
  }
  throw new Error(`Expected a rejection, got ${JSON.stringify(value)}.`);
}
