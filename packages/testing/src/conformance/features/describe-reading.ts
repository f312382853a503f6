import { describe, expect, it } from 'vitest';
import type { ConformanceStore } from '../conformance-events.js';
import type { ConformanceWorld } from '../conformance-world.js';
import { change, publication } from '../publication-builders.js';
import { readLog } from '../read-log.js';

/**
 * Writes five publications of 1, 3, 2, 1 and 4 events (positions 1–5) over
 * `read-a` (ordinals 0–5) and `read-b`.
 */
async function writeFivePublications(store: ConformanceStore): Promise<void> {
  await store.publish(publication([change('read-a', 'new', ['a0'])]));
  await store.publish(
    publication([change('read-a', 0, ['a1', 'a2']), change('read-b', 'new', ['b0'])]),
  );
  await store.publish(publication([change('read-b', 0, ['b1', 'b2'])]));
  await store.publish(publication([change('read-a', 2, ['a3'])]));
  await store.publish(
    publication([change('read-a', 3, ['a4', 'a5']), change('read-b', 2, ['b3', 'b4'])]),
  );
}

const notes = (events: readonly { details: unknown }[]) =>
  events.map((event) => (event.details as { note: string }).note);

/**
 * Reading by entity, by position and by page, and the entity row and head.
 *
 * @param world The current test's store.
 */
export function describeReading(world: ConformanceWorld): void {
  describe('reading', () => {
    it('reads an entity in ordinal order within (after, upTo]', async () => {
      const store = await world.store();
      await writeFivePublications(store);

      const read = async (options: { after?: number; upTo?: number }) =>
        notes(await store.readEntity('read-a', options));
      expect(await read({})).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5']);
      expect(await read({ after: 1 })).toEqual(['a2', 'a3', 'a4', 'a5']);
      expect(await read({ upTo: 2 })).toEqual(['a0', 'a1', 'a2']);
      expect(await read({ after: 1, upTo: 3 })).toEqual(['a2', 'a3']);
      expect(await read({ after: -1, upTo: 0 })).toEqual(['a0']);
      expect(await read({ after: 5 })).toEqual([]);
      expect(await read({ upTo: -1 })).toEqual([]);
      expect(await read({ after: 3, upTo: 3 })).toEqual([]);
      expect(await read({ after: 4, upTo: 1000 })).toEqual(['a5']);
      const events = await store.readEntity('read-a');
      expect(events.map((event) => [event.ordinal, event.position])).toEqual([
        [0, 1],
        [1, 2],
        [2, 2],
        [3, 4],
        [4, 5],
        [5, 5],
      ]);
      expect(await store.readEntity('read-missing')).toEqual([]);
    });

    it('reads the log after a position, whole publications in position order', async () => {
      const store = await world.store();
      await writeFivePublications(store);

      const log = await readLog(store);
      expect(log.map((event) => [event.position, event.entityId, event.ordinal])).toEqual([
        [1, 'read-a', 0],
        [2, 'read-a', 1],
        [2, 'read-a', 2],
        [2, 'read-b', 0],
        [3, 'read-b', 1],
        [3, 'read-b', 2],
        [4, 'read-a', 3],
        [5, 'read-a', 4],
        [5, 'read-a', 5],
        [5, 'read-b', 3],
        [5, 'read-b', 4],
      ]);
      expect(await readLog(store, { after: 2 })).toEqual(log.slice(4));
      expect(await readLog(store, { after: 4 })).toEqual(log.slice(7));
      expect(await readLog(store, { after: 5 })).toEqual([]);
      expect(await readLog(store, { after: 99 })).toEqual([]);
    });

    it('stops the log near its limit without splitting a publication', async () => {
      const store = await world.store();
      await writeFivePublications(store);

      const positions = async (limit: number, after = 0) =>
        (await readLog(store, { limit, after })).map((event) => event.position);
      expect(await positions(1)).toEqual([1]);
      expect(await positions(2)).toEqual([1]);
      expect(await positions(4)).toEqual([1, 2, 2, 2]);
      expect(await positions(5)).toEqual([1, 2, 2, 2]);
      expect(await positions(6)).toEqual([1, 2, 2, 2, 3, 3]);
      expect(await positions(1, 1)).toEqual([2, 2, 2]);
      expect(await positions(3, 3)).toEqual([4]);
      expect(await positions(100)).toHaveLength(11);
    });

    it('reads the same log whatever the page size', async () => {
      const store = await world.store();
      await writeFivePublications(store);

      const whole = await readLog(store);
      for (const pageSize of [1, 2, 3, 4, 5, 6, 500]) {
        expect(await readLog(store, { pageSize }), `page size ${pageSize}`).toEqual(whole);
        expect(
          await readLog(store, { pageSize, after: 2 }),
          `page size ${pageSize} after 2`,
        ).toEqual(whole.slice(4));
        expect(
          (await readLog(store, { pageSize, limit: 7 })).map((event) => event.position),
          `page size ${pageSize} limit 7`,
        ).toEqual([1, 2, 2, 2, 3, 3, 4]);
      }
    });

    it('reads pages of whole publications, and where to go on from', async () => {
      const store = await world.store();
      expect(await store.readPage(0, 10)).toEqual({ events: [], lastPosition: 0 });
      await writeFivePublications(store);

      const first = await store.readPage(0, 2);
      const second = await store.readPage(first.lastPosition, 2);
      const third = await store.readPage(second.lastPosition, 2);
      const fourth = await store.readPage(third.lastPosition, 2);
      expect(
        [first, second, third, fourth].map((page) => [page.lastPosition, notes(page.events)]),
      ).toEqual([
        [2, ['a0', 'a1', 'a2', 'b0']],
        [4, ['b1', 'b2', 'a3']],
        [5, ['a4', 'a5', 'b3', 'b4']],
        [5, []],
      ]);
    });

    it('reads an entity row with its type and version, or nothing for a missing one', async () => {
      const store = await world.store();
      expect(await store.getEntity('read-a')).toBeUndefined();
      await writeFivePublications(store);

      expect(await store.getEntity('read-a')).toEqual({ id: 'read-a', type: 'Thing', version: 5 });
      expect(await store.getEntity('read-b')).toEqual({ id: 'read-b', type: 'Thing', version: 4 });
      expect(await store.getEntity('read-missing')).toBeUndefined();
      expect(await store.getEntity('READ-A')).toBeUndefined();
    });

    it('reports the head: 0 for an empty store, then the last position', async () => {
      const store = await world.store();
      const other = await world.store();
      expect(await store.head()).toBe(0);

      await store.publish(publication([change('read-head', 'new', ['h0', 'h1'])]));
      expect(await store.head()).toBe(1);
      expect(await other.head()).toBe(1);
      await writeFivePublications(store);
      expect(await store.head()).toBe(6);
      expect(await other.head()).toBe(6);
    });
  });
}
