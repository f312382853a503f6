import {
  type AggregateHandlers,
  AggregateRoot,
  defineEvent,
  defineEvents,
  EventStore,
  type FoldRow,
  type Provider,
  Repository,
  type SnapshotPolicy,
  type SnapshotRow,
  type Snapshottable,
} from '@factline/core';
import * as v from 'valibot';
import { describe, expect, it, type TestContext } from 'vitest';
import type { ConformanceWorld } from '../conformance-world.js';
import { change, publication } from '../publication-builders.js';

/** A snapshot row of the suite's `Thing` type. */
function row(entityId: string, version: number, state: string, schemaVersion = 1): SnapshotRow {
  return { entityId, type: 'Thing', version, schemaVersion, state, takenAt: 20_000 + version / 8 };
}

/** A fold row as its parts, from the array or from its JSON text; a `null` version is 1. */
function decode(foldRow: FoldRow): unknown[] {
  const [name, schemaVersion, details] =
    typeof foldRow === 'string'
      ? JSON.parse(foldRow)
      : [foldRow[0], foldRow[1], JSON.parse(foldRow[2])];
  return [name, Number(schemaVersion ?? 1), details];
}

/** A provider with every method this feature calls, or a skipped test (with the reason). */
async function snapshotAndTailProvider(
  world: ConformanceWorld,
  context: TestContext,
): Promise<Provider & Required<Pick<Provider, 'readSnapshotAndTail'>>> {
  const provider = await world.connect();
  if (typeof provider.readSnapshotAndTail !== 'function') {
    context.skip(
      `${provider.name} does not implement the optional readSnapshotAndTail: aggregates with a snapshot policy load from separate reads.`,
    );
  }
  expect(
    typeof provider.readSnapshot === 'function' &&
      typeof provider.writeSnapshot === 'function' &&
      typeof provider.readFoldRows === 'function',
    'a provider with readSnapshotAndTail stores snapshots and reads fold rows',
  ).toBe(true);
  return provider as Provider & Required<Pick<Provider, 'readSnapshotAndTail'>>;
}

/**
 * What `readSnapshotAndTail` must return, from the separate reads: the
 * entity's row, the snapshot when it is of `type` and `schemaVersion`, and
 * the fold rows after it (after -1 without one), decoded.
 */
async function separately(
  provider: Provider,
  entityId: string,
  type: string,
  schemaVersion: number,
) {
  const stored = await provider.readSnapshot?.(entityId);
  const snapshot =
    stored?.type === type && stored.schemaVersion === schemaVersion ? stored : undefined;
  const tail = await provider.readFoldRows?.(
    entityId,
    snapshot?.version ?? -1,
    Number.MAX_SAFE_INTEGER,
  );
  return { entity: await provider.getEntity(entityId), snapshot, tail: tail?.map(decode) };
}

const PlaceV1 = v.object({ city: v.string() });
const PlaceV2 = v.object({ place: v.object({ city: v.string(), country: v.string() }) });

/** The application when `Visited` was new. */
const eventsAtV1 = defineEvents({ Visited: PlaceV1 });

/** The same application once `Visited` has evolved: version 1 rows are upcast on read. */
const eventsAtV2 = defineEvents({
  Visited: defineEvent({
    versions: [PlaceV1, PlaceV2],
    upcasters: { 1: ({ city }) => ({ place: { city, country: 'unknown' } }) },
  }),
});

/** A traveller's places, snapshotted after every third event. */
class Tourist
  extends AggregateRoot<typeof eventsAtV2>
  implements Snapshottable<{ places: string[] }>
{
  static readonly snapshot: SnapshotPolicy = { every: 3, version: 1 };
  readonly type = 'Tourist';
  readonly events = eventsAtV2;
  places: string[] = [];
  /** The events this instance applied, to see where a load started. */
  applied = 0;
  protected readonly handlers: AggregateHandlers<typeof eventsAtV2> = {
    Visited: ({ place }) => {
      this.places.push(`${place.city}, ${place.country}`);
      this.applied++;
    },
  };

  visit(city: string, country: string): void {
    this.raise('Visited', { place: { city, country } });
  }

  toSnapshot() {
    return { places: this.places };
  }

  fromSnapshot(state: { places: string[] }): void {
    this.places = [...state.places];
  }
}

/** The same tourist with a new snapshot format: the stored snapshots are ignored. */
class TouristV2 extends Tourist {
  static override readonly snapshot: SnapshotPolicy = { every: 3, version: 2 };
}

/**
 * The optional `readSnapshotAndTail`: what loading an aggregate from its
 * snapshot reads, at once — the same as `getEntity`, `readSnapshot` (of the
 * type and schema version asked for) and `readFoldRows` after it. And, on
 * every provider, a repository loads a snapshotted aggregate to the state
 * of the full fold.
 *
 * @param world The current test's store.
 */
export function describeSnapshotAndTail(world: ConformanceWorld): void {
  describe('snapshot and tail', () => {
    it('reads the entity, its snapshot of a type and schema version, and the fold rows after it (optional), as the separate reads do', async (context) => {
      const provider = await snapshotAndTailProvider(world, context);
      const store = await world.store();
      const odd = { note: 'ünïcødé \u2028 \\ "quoted" \t', nested: [1, 2.5, null, [true]] };
      await store.publish(
        publication([
          change('tail-a', 'new', ['a0', 'a1', { name: 'Carried', details: odd }, 'a3']),
          change('tail-b', 'new', ['b0', 'b1']),
          change('tail-c', 'new', ['c0']),
        ]),
      );
      await store.publish(publication([change('tail-a', 3, ['a4', 'a5', 'a6'])]));
      await provider.writeSnapshot?.(row('tail-a', 3, '{"notes":["a0","a1","a2","a3"]}'));
      await provider.writeSnapshot?.(row('tail-c', 0, '"at its last event"', 2));
      await provider.writeSnapshot?.(row('tail-ghost', 5, '{"events":"none"}'));

      for (const [entityId, type, schemaVersion, what] of [
        ['tail-a', 'Thing', 1, 'a snapshot: the events after it'],
        ['tail-a', 'Thing', 2, 'a snapshot of another schema version: every event'],
        ['tail-a', 'Other', 1, 'a snapshot of another type: every event'],
        ['tail-b', 'Thing', 1, 'no snapshot: every event'],
        ['tail-c', 'Thing', 2, 'a snapshot at the last event: no event'],
        ['tail-ghost', 'Thing', 1, 'a snapshot and no entity: no event'],
        ['tail-none', 'Thing', 1, 'neither'],
      ] as const) {
        const read = await provider.readSnapshotAndTail(entityId, type, schemaVersion);
        const expected = await separately(provider, entityId, type, schemaVersion);
        expect({ ...read, tail: read.tail.map(decode) }, what).toEqual(expected);
      }
      const snapshotted = await provider.readSnapshotAndTail('tail-a', 'Thing', 1);
      expect(snapshotted.entity).toEqual({ id: 'tail-a', type: 'Thing', version: 6 });
      expect(snapshotted.snapshot).toEqual(row('tail-a', 3, '{"notes":["a0","a1","a2","a3"]}'));
      expect(snapshotted.tail.map(decode)).toEqual([
        ['Happened', 1, { note: 'a4' }],
        ['Happened', 1, { note: 'a5' }],
        ['Happened', 1, { note: 'a6' }],
      ]);
      const whole = await provider.readSnapshotAndTail('tail-a', 'Thing', 2);
      expect(whole.snapshot).toBeUndefined();
      expect(whole.tail.map(decode)[2]).toEqual(['Carried', 1, odd]);
      expect(await provider.readSnapshotAndTail('tail-none', 'Thing', 1)).toEqual({
        entity: undefined,
        snapshot: undefined,
        tail: [],
      });
    });

    it('loads a snapshotted aggregate to the state of the full fold: rows of an old schema version upcast, a snapshot of another version ignored', async () => {
      const provider = await world.connect();
      const old = new EventStore({ provider, events: eventsAtV1 });
      const store = new EventStore({ provider, events: eventsAtV2 });
      const tourists = new Repository(store, Tourist);
      await old.publish({
        actor: 'conformance',
        entities: [
          {
            id: 'tourist',
            type: 'Tourist',
            expectedVersion: 'new',
            events: [{ name: 'Visited', details: { city: 'Bergen' } }],
          },
        ],
      });
      const visits = [
        ['Rome', 'Italy'],
        ['Lyon', 'France'],
        ['Turku', 'Finland'],
        ['Porto', 'Portugal'],
      ] as const;
      for (const [city, country] of visits) {
        await tourists.update('tourist', (tourist) => tourist.visit(city, country), {
          actor: 'conformance',
        });
      }
      // Written by an older release after the snapshot: a row the load must upcast.
      await old.publish({
        actor: 'conformance',
        entities: [
          {
            id: 'tourist',
            type: 'Tourist',
            expectedVersion: 4,
            events: [{ name: 'Visited', details: { city: 'Oslo' } }],
          },
        ],
      });
      const places = [
        'Bergen, unknown',
        'Rome, Italy',
        'Lyon, France',
        'Turku, Finland',
        'Porto, Portugal',
        'Oslo, unknown',
      ];

      const loaded = await tourists.get('tourist');
      expect(loaded).toMatchObject({ version: 5, places });
      // On a provider with snapshots, the load started at the snapshot of version 2.
      expect(loaded.applied).toBe(store.supportsSnapshots ? 3 : 6);

      const v2 = await new Repository(store, TouristV2).get('tourist');
      expect(v2).toMatchObject({ version: 5, places, applied: 6 });
      expect(await tourists.load('nobody')).toBeUndefined();
    });
  });
}
