import type { Provider, SnapshotRow } from '@factline/core';
import { describe, expect, it, type TestContext } from 'vitest';
import type { ConformanceWorld } from '../conformance-world.js';
import { change, publication } from '../publication-builders.js';

/** A snapshot row of the suite's `Thing` type. */
function row(entityId: string, version: number, state: string, schemaVersion = 1): SnapshotRow {
  return { entityId, type: 'Thing', version, schemaVersion, state, takenAt: 20_000 + version / 8 };
}

/**
 * A provider's snapshot methods, or a skipped test (with the reason) when
 * the provider does not implement these optional methods.
 */
async function snapshotProvider(
  world: ConformanceWorld,
  context: TestContext,
): Promise<Required<Pick<Provider, 'readSnapshot' | 'writeSnapshot'>>> {
  const provider = await world.connect();
  const { readSnapshot, writeSnapshot } = provider;
  if (typeof readSnapshot !== 'function' || typeof writeSnapshot !== 'function') {
    context.skip(
      `${provider.name} does not implement the optional readSnapshot and writeSnapshot: aggregates on it are always folded from their first event.`,
    );
  }
  return {
    readSnapshot: (entityId) => readSnapshot.call(provider, entityId),
    writeSnapshot: (snapshot) => writeSnapshot.call(provider, snapshot),
  };
}

/**
 * The optional snapshot store: a snapshot reads back as written, and a
 * write replaces only an older snapshot. Skipped, with a note, for a
 * provider without `readSnapshot` and `writeSnapshot`.
 *
 * @param world The current test's store.
 */
export function describeSnapshots(world: ConformanceWorld): void {
  describe('snapshots (optional)', () => {
    it('reads a snapshot back exactly as written, and none for an entity without one', async (context) => {
      const snapshots = await snapshotProvider(world, context);
      const state = '{"count":3,"note":"ünïcødé \\u2028 \\"quoted\\"","nested":[1,2.5,null]}';

      await snapshots.writeSnapshot(row('snap-a', 41, state, 3));

      expect(await snapshots.readSnapshot('snap-a')).toEqual(row('snap-a', 41, state, 3));
      expect(await snapshots.readSnapshot('snap-none')).toBeUndefined();
    });

    it('replaces a snapshot only with a newer one: an older or equal version keeps the stored one', async (context) => {
      const snapshots = await snapshotProvider(world, context);

      await snapshots.writeSnapshot(row('snap-b', 199, '"at 199"'));
      await snapshots.writeSnapshot(row('snap-b', 99, '"at 99"', 2));
      await snapshots.writeSnapshot(row('snap-b', 199, '"again at 199"', 2));
      expect(await snapshots.readSnapshot('snap-b')).toEqual(row('snap-b', 199, '"at 199"'));

      await snapshots.writeSnapshot(row('snap-b', 299, '"at 299"', 2));
      expect(await snapshots.readSnapshot('snap-b')).toEqual(row('snap-b', 299, '"at 299"', 2));
    });

    it('keeps the newest of concurrent writes, from several connections', async (context) => {
      const snapshots = await snapshotProvider(world, context);
      const other = await snapshotProvider(world, context);

      await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          (index % 2 === 0 ? snapshots : other).writeSnapshot(
            row('snap-c', index, `"at ${index}"`),
          ),
        ),
      );

      expect(await other.readSnapshot('snap-c')).toEqual(row('snap-c', 19, '"at 19"'));
    });

    it('keeps snapshots through migrations and apart from the events', async (context) => {
      const snapshots = await snapshotProvider(world, context);
      const store = await world.store();
      await store.publish(publication([change('snap-d', 'new', ['d0', 'd1'])]));

      await snapshots.writeSnapshot(row('snap-d', 1, '{"notes":["d0","d1"]}'));
      await store.migrate();

      expect(await snapshots.readSnapshot('snap-d')).toEqual(
        row('snap-d', 1, '{"notes":["d0","d1"]}'),
      );
      expect((await store.readEntity('snap-d')).map((event) => event.details)).toEqual([
        { note: 'd0' },
        { note: 'd1' },
      ]);
      expect(await store.head()).toBe(1);
    });
  });
}
