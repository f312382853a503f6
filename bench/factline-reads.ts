/**
 * The factline side of the read rows, and the check every read trial ends
 * with. The raw sides stay with their drivers: better-sqlite3 reads
 * synchronously, the servers' readers return arrays of another kind than
 * factline's, and a loop shared by both would time them polymorphically.
 */
import { eventCount } from './event-log-sizes.js';
import { time } from './measure.js';
import { bigEntity, fixtureLogSize } from './read-fixture.js';
import type { StockStore } from './stock-events.js';

/**
 * Throws unless a read trial saw every event it should have.
 *
 * @param count Events the trial counted.
 * @param expected Events the fixture holds for that read.
 */
export function checkRead(count: number, expected: number): void {
  if (count !== expected) throw new Error(`A read trial got ${count} events, not ${expected}.`);
}

/**
 * factline: the big entity's history in one `readEntity`.
 *
 * @returns The milliseconds of the read and the loop over its events.
 */
export async function factlineReadEntity(store: StockStore): Promise<number> {
  let count = 0;
  const milliseconds = await time(async () => {
    const history = await store.readEntity(bigEntity);
    for (const event of history) if (event.ordinal >= 0) count++;
  });
  checkRead(count, eventCount);
  return milliseconds;
}

/**
 * factline: `for await` over `readAll()` with its default page size (500 publications).
 *
 * @returns The milliseconds of the whole log's read.
 */
export async function factlineReadAll(store: StockStore): Promise<number> {
  let count = 0;
  const milliseconds = await time(async () => {
    for await (const event of store.readAll()) if (event.position > 0) count++;
  });
  checkRead(count, fixtureLogSize);
  return milliseconds;
}
