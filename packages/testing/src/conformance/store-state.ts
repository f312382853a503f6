import type { EntityRow, StoredEvent } from '@factline/core';
import type { ConformanceEvents, ConformanceStore } from './conformance-events.js';
import { readLog } from './read-log.js';

/** Everything a reader can see of a store, to compare before and after. */
export interface StoreState {
  readonly head: number;
  /** The named entities' rows; `undefined` for a missing one. */
  readonly entities: Readonly<Record<string, EntityRow | undefined>>;
  /** The named entities' events. */
  readonly histories: Readonly<Record<string, readonly StoredEvent<ConformanceEvents>[]>>;
  /** The whole log. */
  readonly log: readonly StoredEvent<ConformanceEvents>[];
}

/**
 * Reads the head, the named entities and the whole log.
 *
 * @param store The store to read.
 * @param entityIds The entities to read, whether or not they exist.
 * @returns What the store holds.
 */
export async function captureStoreState(
  store: ConformanceStore,
  entityIds: readonly string[],
): Promise<StoreState> {
  const entities: Record<string, EntityRow | undefined> = {};
  const histories: Record<string, StoredEvent<ConformanceEvents>[]> = {};
  for (const id of entityIds) {
    entities[id] = await store.getEntity(id);
    histories[id] = await store.readEntity(id);
  }
  return { head: await store.head(), entities, histories, log: await readLog(store) };
}
