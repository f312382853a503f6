import { entityCount, entityIds } from './event-log-sizes.js';
import { time } from './measure.js';
import { detailsOf, type StockStore } from './stock-events.js';

/**
 * The factline side of an append row: one `publish` per publication, to
 * entity `n % 100`, expecting `'new'` first and then the version the
 * previous publish returned. The raw sides (sqlite.ts, server-rows.ts) run
 * the same loop, written out, so that each side calls its own publish directly.
 *
 * @param store The store to publish to; its tables empty.
 * @param total Events to publish.
 * @param perPublication Events in each publication.
 * @returns The milliseconds the publications took.
 */
export async function factlineAppend(
  store: StockStore,
  total: number,
  perPublication: number,
): Promise<number> {
  const versions: number[] = new Array(entityCount).fill(-1);
  return time(async () => {
    for (let publication = 0, n = 0; n < total; publication++) {
      const entity = publication % entityCount;
      const batch = [];
      for (let index = 0; index < perPublication; index++) {
        batch.push({ name: 'StockReceived' as const, details: detailsOf(n++) });
      }
      const version = versions[entity] as number;
      const result = await store.publish({
        actor: 'user:bench',
        entities: [
          {
            id: entityIds[entity] as string,
            type: 'Product',
            expectedVersion: version < 0 ? 'new' : version,
            events: batch,
          },
        ],
      });
      versions[entity] = (result.versions[0] as { version: number }).version;
    }
  });
}
