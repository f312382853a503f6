import {
  type AggregateHandlers,
  AggregateRoot,
  EventStore,
  type FoldRow,
  type Provider,
  Repository,
} from '@factline/core';
import { describe, expect, it } from 'vitest';
import type { ConformanceWorld } from '../conformance-world.js';
import { carried, eventsAtV1, eventsAtV2 } from '../evolving-events.js';

/** An aggregate of the suite: where a traveller has been. */
class Traveller extends AggregateRoot<typeof eventsAtV2, 'Moved'> {
  readonly type = 'Traveller';
  readonly events = eventsAtV2;
  places: string[] = [];
  protected readonly handlers: AggregateHandlers<typeof eventsAtV2, 'Moved'> = {
    Moved: ({ place }) => {
      this.places.push(`${place.city}, ${place.country}`);
    },
  };

  move(city: string, country: string): void {
    this.raise('Moved', { place: { city, country } });
  }
}

/** A fold row as its parts, from the array or from its JSON text; a `null` version is 1. */
function decode(row: FoldRow): unknown[] {
  const [name, schemaVersion, details] =
    typeof row === 'string' ? JSON.parse(row) : [row[0], row[1], JSON.parse(row[2])];
  return [name, schemaVersion ?? 1, details];
}

/**
 * Loading aggregates: the optional `readFoldRows` returns the events of
 * `readEntity` with only what a fold needs; and, on every provider, a
 * repository loads the same aggregate from fold rows or from whole rows,
 * rows stored at an older schema version and points in the past included.
 *
 * @param world The current test's store.
 */
export function describeFoldReads(world: ConformanceWorld): void {
  describe('fold reads', () => {
    it('reads fold rows (optional): the events of readEntity within (after, upTo], name, schema version and details only', async (context) => {
      const provider: Provider = await world.connect();
      if (typeof provider.readFoldRows !== 'function') {
        context.skip(
          `${provider.name} does not implement the optional readFoldRows: aggregates on it load from whole rows.`,
        );
      }
      const old = new EventStore({ provider, events: eventsAtV1 });
      const store = new EventStore({ provider, events: eventsAtV2 });
      await old.publish({
        actor: 'conformance',
        entities: [
          {
            id: 'fold-a',
            type: 'Traveller',
            expectedVersion: 'new',
            events: [
              { name: 'Moved', details: { city: 'Bergen' } },
              ...carried.map((details) => ({ name: 'Carried' as const, details })),
            ],
          },
        ],
      });
      await store.publish({
        actor: 'conformance',
        entities: [
          {
            id: 'fold-a',
            type: 'Traveller',
            expectedVersion: 4,
            events: [
              { name: 'Moved', details: { place: { city: 'Rome', country: 'Italy' } } },
              { name: 'Odd "name" \\ ü ✓', details: { odd: true } },
            ],
          },
        ],
      });

      for (const [after, upTo] of [
        [-1, Number.MAX_SAFE_INTEGER],
        [-1, 0],
        [1, 3],
        [4, 1000],
        [6, Number.MAX_SAFE_INTEGER],
        [3, 3],
      ] as const) {
        const rows = await provider.readFoldRows?.('fold-a', after, upTo);
        const whole = await provider.readEntity('fold-a', after, upTo);
        const range = `(${after}, ${upTo}]`;
        expect(rows?.map(decode), range).toEqual(
          whole.map((row) => [row.name, Number(row.schemaVersion), JSON.parse(row.details)]),
        );
        rows?.forEach((row, index) => {
          if (typeof row === 'string') return;
          const stored = whole[index];
          expect(row[1] === null || typeof row[1] === 'number', `${range}: the version`).toBe(true);
          expect(row[2], `${range}: the details are the stored text`).toBe(stored?.details);
        });
      }
      expect((await provider.readFoldRows?.('fold-a', -1, 100))?.map(decode)).toEqual([
        ['Moved', 1, { city: 'Bergen' }],
        ...carried.map((details) => ['Carried', 1, details]),
        ['Moved', 2, { place: { city: 'Rome', country: 'Italy' } }],
        ['Odd "name" \\ ü ✓', 1, { odd: true }],
      ]);
      expect(await provider.readFoldRows?.('fold-missing', -1, 100)).toEqual([]);
    });

    it('loads an aggregate from rows stored at an older schema version, now and as of a version, a position and a time', async () => {
      const provider = await world.connect();
      let now = new Date('2024-03-01T09:00:00.000Z');
      const clock = () => now;
      const old = new EventStore({ provider, events: eventsAtV1, clock });
      const store = new EventStore({ provider, events: eventsAtV2, clock });
      const travellers = new Repository(store, Traveller);
      await old.publish({
        actor: 'conformance',
        entities: [
          {
            id: 'traveller',
            type: 'Traveller',
            expectedVersion: 'new',
            events: [
              { name: 'Moved', details: { city: 'Bergen' } },
              { name: 'Moved', details: { city: 'Turku' } },
            ],
          },
        ],
      });
      now = new Date('2024-03-01T10:00:00.000Z');
      await travellers.update('traveller', (traveller) => traveller.move('Rome', 'Italy'), {
        actor: 'conformance',
      });
      now = new Date('2024-03-01T11:00:00.000Z');
      await travellers.update('traveller', (traveller) => traveller.move('Lyon', 'France'), {
        actor: 'conformance',
      });

      const places = async (asOf?: Parameters<typeof travellers.get>[1]) =>
        (await travellers.get('traveller', asOf)).places;
      const all = ['Bergen, unknown', 'Turku, unknown', 'Rome, Italy', 'Lyon, France'];
      expect(await places()).toEqual(all);
      expect((await travellers.get('traveller')).version).toBe(3);
      expect(await places({ asOf: { version: 1 } })).toEqual(all.slice(0, 2));
      expect(await places({ asOf: { position: 2 } })).toEqual(all.slice(0, 3));
      expect(await places({ asOf: { time: new Date('2024-03-01T10:30:00.000Z') } })).toEqual(
        all.slice(0, 3),
      );
      expect(await travellers.load('traveller', { asOf: { version: 9 } })).toMatchObject({
        version: 3,
        places: all,
      });
      expect(await travellers.load('nobody')).toBeUndefined();

      const whole = await store.readEntity('traveller', { after: 0 });
      expect(await store.readFoldEvents('traveller', { after: 0 })).toEqual(
        whole.map(({ name, details, ordinal }) => ({ name, details, ordinal })),
      );
    });
  });
}
