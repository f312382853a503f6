import type { CheckpointRow, ProjectionStorage, Provider } from '@factline/core';
import { describe, expect, it, type TestContext } from 'vitest';
import type { ConformanceReadModel } from '../conformance-harness.js';
import type { ConformanceWorld } from '../conformance-world.js';

const storageMethods = [
  'readCheckpoint',
  'commitCheckpoint',
  'resetCheckpoint',
  'acquireLease',
  'releaseLease',
] as const;

/** The provider as a projection storage, or a skipped test when it is not one. */
async function projectionStorage(
  world: ConformanceWorld,
  context: TestContext,
): Promise<ProjectionStorage<unknown> & Provider> {
  const provider = await world.connect();
  const missing = storageMethods.filter(
    (method) => typeof (provider as unknown as Record<string, unknown>)[method] !== 'function',
  );
  if (missing.length > 0) {
    context.skip(
      `${provider.name} is not a ProjectionStorage (it lacks ${missing.join(', ')}): projectors keep their checkpoints elsewhere.`,
    );
  }
  return provider as unknown as ProjectionStorage<unknown> & Provider;
}

async function readModelOf(
  world: ConformanceWorld,
  context: TestContext,
  provider: Provider,
): Promise<ConformanceReadModel> {
  const { readModel } = world.harness;
  if (readModel === undefined) {
    context.skip('The harness gives no readModel: read-model writes cannot be checked.');
  }
  await readModel?.create?.(provider);
  return readModel as ConformanceReadModel;
}

const key = { projector: 'conformance', source: 'default' } as const;
const at = (position: number): CheckpointRow => ({
  position,
  eventId: `0190a000-0000-7000-8000-${String(position).padStart(12, '0')}`,
});
const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/**
 * Checkpoints and leases (`ProjectionStorage`): compare-and-set
 * checkpoints that commit with the read model's writes, and leases that
 * give a projector name to one owner at a time. Skipped, with a note, for a
 * provider that is not a projection storage.
 *
 * @param world The current test's store.
 */
export function describeProjectionStorage(world: ConformanceWorld): void {
  describe('projection storage: checkpoints and leases', () => {
    it('stores a checkpoint by compare-and-set: none at first, then only from the expected one', async (context) => {
      const storage = await projectionStorage(world, context);

      expect(await storage.readCheckpoint(key)).toBeUndefined();
      expect(await storage.commitCheckpoint({ ...key, expected: undefined, next: at(3) })).toBe(
        true,
      );
      expect(await storage.readCheckpoint(key)).toEqual(at(3));
      // A writer that expected no checkpoint, or another one, changes nothing.
      expect(await storage.commitCheckpoint({ ...key, expected: undefined, next: at(9) })).toBe(
        false,
      );
      expect(await storage.commitCheckpoint({ ...key, expected: at(2), next: at(9) })).toBe(false);
      expect(
        await storage.commitCheckpoint({
          ...key,
          expected: { position: 3, eventId: 'another-event' },
          next: at(9),
        }),
      ).toBe(false);
      expect(await storage.readCheckpoint(key)).toEqual(at(3));

      expect(await storage.commitCheckpoint({ ...key, expected: at(3), next: at(7) })).toBe(true);
      expect(await storage.readCheckpoint(key)).toEqual(at(7));
    });

    it('keeps one checkpoint per projector and source', async (context) => {
      const storage = await projectionStorage(world, context);
      const other = { projector: 'conformance-other', source: 'default' };
      const otherSource = { projector: 'conformance', source: 'archive' };

      await storage.commitCheckpoint({ ...key, expected: undefined, next: at(5) });
      await storage.commitCheckpoint({ ...other, expected: undefined, next: at(6) });
      await storage.commitCheckpoint({ ...otherSource, expected: undefined, next: at(8) });

      expect(await storage.readCheckpoint(key)).toEqual(at(5));
      expect(await storage.readCheckpoint(other)).toEqual(at(6));
      expect(await storage.readCheckpoint(otherSource)).toEqual(at(8));
      await storage.resetCheckpoint(other);
      expect(await storage.readCheckpoint(other)).toBeUndefined();
      expect(await storage.readCheckpoint(key)).toEqual(at(5));
    });

    it('commits read-model writes with the checkpoint, and rolls them back with it', async (context) => {
      const storage = await projectionStorage(world, context);
      const readModel = await readModelOf(world, context, storage);
      const failure = new Error('handler failed');

      expect(
        await storage.commitCheckpoint({ ...key, expected: undefined, next: at(1) }, (tx) =>
          readModel.write(tx, 'first'),
        ),
      ).toBe(true);
      // A stale checkpoint: the work is rolled back.
      expect(
        await storage.commitCheckpoint({ ...key, expected: undefined, next: at(2) }, (tx) =>
          readModel.write(tx, 'stale'),
        ),
      ).toBe(false);
      // Work that throws: rethrown as is, rolled back, the checkpoint unmoved.
      await expect(
        storage.commitCheckpoint({ ...key, expected: at(1), next: at(2) }, (tx) => {
          // Synchronous where the provider's transactions are (SQLite).
          const written = readModel.write(tx, 'failed');
          if (written === undefined) throw failure;
          return written.then(() => {
            throw failure;
          });
        }),
      ).rejects.toBe(failure);

      expect(await readModel.read(storage)).toEqual(['first']);
      expect(await storage.readCheckpoint(key)).toEqual(at(1));
    });

    it('resets a checkpoint in one transaction with emptying the read model', async (context) => {
      const storage = await projectionStorage(world, context);
      const readModel = await readModelOf(world, context, storage);
      await storage.commitCheckpoint({ ...key, expected: undefined, next: at(4) }, (tx) =>
        readModel.write(tx, 'before reset'),
      );

      await storage.resetCheckpoint(key, (tx) => readModel.write(tx, 'written by the reset'));

      expect(await storage.readCheckpoint(key)).toBeUndefined();
      expect(await readModel.read(storage)).toEqual(['before reset', 'written by the reset']);
    });

    it('lets exactly one of concurrent writers from several connections move a checkpoint', async (context) => {
      const first = await projectionStorage(world, context);
      await first.commitCheckpoint({ ...key, expected: undefined, next: at(1) });
      const storages = [first, ...(await Promise.all([1, 2, 3].map(() => world.connect())))] as (
        | ProjectionStorage<unknown>
        | Provider
      )[] as ProjectionStorage<unknown>[];

      const results = await Promise.all(
        Array.from({ length: 12 }, (_, index) =>
          (storages[index % storages.length] as ProjectionStorage<unknown>).commitCheckpoint({
            ...key,
            expected: at(1),
            next: at(10 + index),
          }),
        ),
      );

      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results.indexOf(true);
      expect(await first.readCheckpoint(key)).toEqual(at(10 + winner));
    });

    it('gives a lease to one owner at a time, renewable by it, free again when released or expired', async (context) => {
      const storage = await projectionStorage(world, context);
      const lease = (owner: string, ttl = 60_000) =>
        storage.acquireLease({ projector: 'conformance', owner, ttl });

      expect(await lease('owner-a')).toBe(true);
      expect(await lease('owner-b')).toBe(false);
      expect(await lease('owner-a')).toBe(true);
      await storage.releaseLease('conformance', 'owner-b');
      expect(await lease('owner-b')).toBe(false);
      await storage.releaseLease('conformance', 'owner-a');
      expect(await lease('owner-b', 300)).toBe(true);
      expect(
        await storage.acquireLease({ projector: 'other', owner: 'owner-a', ttl: 60_000 }),
      ).toBe(true);

      await sleep(600);
      expect(await lease('owner-a')).toBe(true);
      expect(await lease('owner-b')).toBe(false);
    });

    it('gives a free lease to exactly one of concurrent owners on several connections', async (context) => {
      const first = await projectionStorage(world, context);
      const storages = [first, ...(await Promise.all([1, 2, 3].map(() => world.connect())))] as (
        | ProjectionStorage<unknown>
        | Provider
      )[] as ProjectionStorage<unknown>[];

      const results = await Promise.all(
        Array.from({ length: 12 }, (_, index) =>
          (storages[index % storages.length] as ProjectionStorage<unknown>).acquireLease({
            projector: 'contended',
            owner: `owner-${index}`,
            ttl: 60_000,
          }),
        ),
      );

      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('keeps checkpoints and leases through migrations', async (context) => {
      const storage = await projectionStorage(world, context);
      await storage.commitCheckpoint({ ...key, expected: undefined, next: at(2) });

      await storage.migrate();

      expect(await storage.readCheckpoint(key)).toEqual(at(2));
    });
  });
}
