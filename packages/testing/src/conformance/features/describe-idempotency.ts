import { describe, expect, it } from 'vitest';
import type { ConformanceWorld } from '../conformance-world.js';
import { expectNothingWritten, rejectionOf } from '../expect-nothing-written.js';
import { change, publication } from '../publication-builders.js';
import { readLog } from '../read-log.js';
import type { WriterOutcome } from '../writer-protocol.js';

/** Writer processes that race with one command id. */
const racers = 4;

/**
 * Invariant 5: a publication whose command id is stored already writes
 * nothing and returns the original result.
 *
 * @param world The current test's store.
 */
export function describeIdempotency(world: ConformanceWorld): void {
  describe('invariant 5: a repeated command id writes nothing', () => {
    it('returns the first result, marked duplicate, for the same publication again', async () => {
      const store = await world.store();
      const observer = await world.store();
      const command = publication(
        [change('idem-a', 'new', ['a0']), change('idem-b', 'new', ['b0', 'b1'])],
        {
          commandId: 'command-1',
        },
      );
      const first = await store.publish(command);

      const repeat = await expectNothingWritten([store, observer], ['idem-a', 'idem-b'], () =>
        store.publish(command),
      );
      const again = await observer.publish(command);

      expect(first).toEqual({
        position: 1,
        versions: [
          { id: 'idem-a', version: 0 },
          { id: 'idem-b', version: 1 },
        ],
        duplicate: false,
      });
      expect(repeat).toEqual({ ...first, duplicate: true });
      expect(again).toEqual({ ...first, duplicate: true });
    });

    it('returns the first result even when the repeat has other entities, events, versions and actor', async () => {
      const store = await world.store();
      const first = await store.publish(
        publication([change('idem-c', 'new', ['c0'])], { commandId: 'command-2' }),
      );
      await store.publish(publication([change('idem-c', 0, ['c1'])]));

      const repeat = await expectNothingWritten([store], ['idem-c', 'idem-d'], () =>
        store.publish(
          publication([change('idem-d', 'new', ['d0']), change('idem-c', 1, ['c2', 'c3'])], {
            actor: 'someone:else',
            commandId: 'command-2',
          }),
        ),
      );

      expect(repeat).toEqual({
        position: first.position,
        versions: first.versions,
        duplicate: true,
      });
    });

    it('keeps the command id of a failed publication free for its retry', async () => {
      const store = await world.store();
      await store.publish(publication([change('idem-e', 'new', ['e0', 'e1'])]));

      const error = await rejectionOf(
        store.publish(publication([change('idem-e', 0, ['e2'])], { commandId: 'command-3' })),
      );
      const retry = await store.publish(
        publication([change('idem-e', 1, ['e2'])], { commandId: 'command-3' }),
      );
      const repeat = await store.publish(
        publication([change('idem-e', 1, ['e2'])], { commandId: 'command-3' }),
      );

      expect(error).toMatchObject({ code: 'CONCURRENCY', entityId: 'idem-e' });
      expect(retry).toEqual({
        position: 2,
        versions: [{ id: 'idem-e', version: 2 }],
        duplicate: false,
      });
      expect(repeat).toEqual({ ...retry, duplicate: true });
    });

    it('stores one publication when two connections publish one command id at once', async () => {
      const [one, two] = [await world.store(), await world.store()];

      const results = await Promise.all([
        one.publish(publication([change('idem-one', 'new', ['o0'])], { commandId: 'command-4' })),
        two.publish(publication([change('idem-two', 'new', ['t0'])], { commandId: 'command-4' })),
      ]);

      const original = results.find((result) => !result.duplicate);
      expect(results.filter((result) => result.duplicate)).toEqual([
        { ...original, duplicate: true },
      ]);
      expect(await readLog(one)).toHaveLength(1);
      expect(await one.head()).toBe(1);
    });

    for (const { target, entity } of [
      { target: 'each its own entity', entity: (writer: number) => `idem-race-${writer}` },
      { target: 'one entity', entity: () => 'idem-race' },
    ]) {
      it(`stores one publication when ${racers} writer processes race with one command id on ${target}; the rest get its result`, async () => {
        const store = await world.store();
        const writers = world.startWriters(
          Array.from({ length: racers }, (_, writer) => ({
            rounds: [
              [
                {
                  kind: 'publish',
                  publications: [
                    publication([change(entity(writer), 'new', [`writer-${writer}`])], {
                      commandId: 'command-raced',
                    }),
                  ],
                },
              ],
            ],
          })),
        );

        const outcomes = (await writers.runRound()).map(
          (writerOutcomes) => writerOutcomes[0] as WriterOutcome,
        );
        await writers.finish();

        const published = outcomes.flatMap((outcome, writer) =>
          outcome.ok && !outcome.duplicate ? [{ outcome, writer }] : [],
        );
        expect(published, 'exactly one writer published').toHaveLength(1);
        const [{ outcome: original, writer: winner }] = published as [
          { outcome: WriterOutcome; writer: number },
        ];
        // Even on one entity, the repeats are duplicates of the original, not conflicts.
        expect(outcomes).toEqual(
          outcomes.map((_, writer) =>
            writer === winner ? original : { ...original, duplicate: true },
          ),
        );
        const log = await readLog(store);
        expect(log.map((event) => [event.entityId, event.position, event.details])).toEqual([
          [entity(winner), 1, { note: `writer-${winner}` }],
        ]);
        expect(log[0]?.metadata).toEqual({ commandId: 'command-raced' });
      });
    }
  });
}
