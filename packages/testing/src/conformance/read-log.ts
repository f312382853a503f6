import type { ReadAllOptions, StoredEvent } from '@factline/core';
import type { ConformanceEvents, ConformanceStore } from './conformance-events.js';

/**
 * Reads the log into an array (Node 20 has no `Array.fromAsync`).
 *
 * @param store The store to read.
 * @param options As for `readAll`.
 * @returns The events, in position order.
 */
export async function readLog(
  store: ConformanceStore,
  options: ReadAllOptions = {},
): Promise<StoredEvent<ConformanceEvents>[]> {
  const events: StoredEvent<ConformanceEvents>[] = [];
  for await (const event of store.readAll(options)) events.push(event);
  return events;
}
