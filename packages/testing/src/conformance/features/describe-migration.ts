import { describe, expect, it } from 'vitest';
import type { ConformanceWorld } from '../conformance-world.js';
import { change, publication } from '../publication-builders.js';
import { readLog } from '../read-log.js';

/** Writer processes that migrate a fresh store at once. */
const migrators = 3;

/**
 * `migrate()` is idempotent, and safe from several connections and processes
 * at the same time.
 *
 * @param world The current test's store.
 */
export function describeMigration(world: ConformanceWorld): void {
  describe('migration', () => {
    it('migrates a migrated store again, twice and from two connections at once, keeping its data', async () => {
      const store = await world.store();
      await store.publish(
        publication([change('mig-a', 'new', ['a0'])], { commandId: 'mig-command' }),
      );

      await store.migrate();
      await store.migrate();
      const other = await world.store();
      await Promise.all([store.migrate(), other.migrate()]);

      expect((await readLog(other)).map((event) => event.details)).toEqual([{ note: 'a0' }]);
      const repeat = await other.publish(
        publication([change('mig-a', 'new', ['a0'])], { commandId: 'mig-command' }),
      );
      expect(repeat).toEqual({
        position: 1,
        versions: [{ id: 'mig-a', version: 0 }],
        duplicate: true,
      });
      expect(await other.publish(publication([change('mig-a', 0, ['a1'])]))).toMatchObject({
        position: 2,
      });
    });

    it('opens and migrates a fresh store from two connections at once', async () => {
      const [one, two] = await Promise.all([world.store(), world.store()]);

      await one.publish(publication([change('mig-one', 'new', ['o0'])]));
      await two.publish(publication([change('mig-two', 'new', ['t0'])]));

      expect((await readLog(one)).map((event) => [event.position, event.entityId])).toEqual([
        [1, 'mig-one'],
        [2, 'mig-two'],
      ]);
    });

    it(`lets ${migrators} writer processes migrate a fresh store at the same moment, then write`, async () => {
      const writers = world.startWriters(
        Array.from({ length: migrators }, (_, writer) => ({
          migrateFirst: false,
          rounds: [
            [
              { kind: 'migrate' },
              {
                kind: 'publish',
                publications: [publication([change(`mig-writer-${writer}`, 'new', ['w0'])])],
              },
            ],
          ],
        })),
      );

      const outcomes = (await writers.runRound()).flat();
      await writers.finish();

      expect(outcomes).toEqual(
        Array.from({ length: migrators }, () => expect.objectContaining({ ok: true })),
      );
      const positions = outcomes.map((outcome) => (outcome.ok ? outcome.position : 0));
      expect(positions.sort((a, b) => a - b)).toEqual([1, 2, 3]);
      const store = await world.store();
      expect((await readLog(store)).map((event) => event.entityId).sort()).toEqual(
        Array.from({ length: migrators }, (_, writer) => `mig-writer-${writer}`),
      );
      expect(await store.head()).toBe(migrators);
    });
  });
}
