import { EventStore, type StoredEvent } from '@factline/core';
import { describe, expect, it } from 'vitest';
import type { ConformanceWorld } from '../conformance-world.js';
import { carried, eventsAtV1, eventsAtV2 } from '../evolving-events.js';

/** An entity id and an actor a page must carry exactly. */
const oddEntity = 'page "a" \\ ü ✓ \u2028';
const oddActor = 'actor "quoted" \\ ☃';

/**
 * Reading the log by position: `readPage` (and `readAll` over it) returns
 * the very events `readEntity` returns, whichever way the provider reads
 * pages — `readPositions`, or the optional `readPackedPositions` that packs
 * each row into one string.
 *
 * @param world The current test's store.
 */
export function describePageReads(world: ConformanceWorld): void {
  describe('page reads', () => {
    it('reads pages of the events readEntity returns: odd text, metadata, older schema versions, times to the millisecond before and after 1970', async () => {
      const provider = await world.connect();
      let now = new Date('2026-11-23T12:34:56.789Z');
      const clock = () => now;
      const old = new EventStore({ provider, events: eventsAtV1, clock });
      const store = new EventStore({ provider, events: eventsAtV2, clock });
      await old.publish({
        actor: oddActor,
        commandId: 'page-command-1',
        causationId: 'cause "1"',
        correlationId: 'flow-ü',
        headers: { tenant: 'acme', quote: '"\'\\' },
        entities: [
          {
            id: oddEntity,
            type: 'Traveller',
            expectedVersion: 'new',
            events: [
              { name: 'Moved', details: { city: 'Bergen' } },
              ...carried.map((details) => ({ name: 'Carried' as const, details })),
            ],
          },
        ],
      });
      now = new Date('1969-07-20T20:17:40.123Z');
      await store.publish({
        actor: 'conformance',
        entities: [
          {
            id: 'page-b',
            type: 'Traveller',
            expectedVersion: 'new',
            events: [{ name: 'Moved', details: { place: { city: 'Rome', country: 'Italy' } } }],
          },
          {
            id: oddEntity,
            type: 'Traveller',
            expectedVersion: 4,
            events: [{ name: 'Odd "name" \\ ü ✓', details: { odd: true } }],
          },
        ],
      });
      now = new Date('2000-02-29T23:59:59.999Z');
      await store.publish({
        actor: 'conformance',
        entities: [
          {
            id: 'page-b',
            type: 'Traveller',
            expectedVersion: 0,
            events: [{ name: 'Carried', details: 0 }],
          },
        ],
      });

      const paged: StoredEvent<typeof eventsAtV2>[] = [];
      for await (const event of store.readAll({ pageSize: 1 })) paged.push(event);
      const byEntity = [
        ...(await store.readEntity(oddEntity)),
        ...(await store.readEntity('page-b')),
      ];
      expect(paged).toHaveLength(byEntity.length);
      for (const event of paged) {
        expect(event).toEqual(byEntity.find(({ id }) => id === event.id));
      }
      expect(paged.map(({ position, entityId, ordinal }) => [position, entityId, ordinal])).toEqual(
        [
          ...[0, 1, 2, 3, 4].map((ordinal) => [1, oddEntity, ordinal]),
          [2, 'page-b', 0],
          [2, oddEntity, 5],
          [3, 'page-b', 1],
        ],
      );
      expect(paged.map(({ timestamp }) => timestamp.toISOString())).toEqual([
        ...Array<string>(5).fill('2026-11-23T12:34:56.789Z'),
        '1969-07-20T20:17:40.123Z',
        '1969-07-20T20:17:40.123Z',
        '2000-02-29T23:59:59.999Z',
      ]);
      const [first] = paged;
      expect(first).toMatchObject({
        name: 'Moved',
        details: { place: { city: 'Bergen', country: 'unknown' } },
        schemaVersion: 2,
        actor: oddActor,
        metadata: {
          commandId: 'page-command-1',
          causationId: 'cause "1"',
          correlationId: 'flow-ü',
          headers: { tenant: 'acme', quote: '"\'\\' },
        },
      });
      expect(paged.slice(1, 5).map(({ details }) => details)).toEqual(carried);
      expect(paged[5]?.metadata).toEqual({});

      const page = await store.readPage(1, 1);
      expect(page.lastPosition).toBe(2);
      expect(page.events.map(({ name }) => name)).toEqual(['Moved', 'Odd "name" \\ ü ✓']);
      expect(await store.readPage(3, 10)).toEqual({ events: [], lastPosition: 3 });
    });
  });
}
