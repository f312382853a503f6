import type { ExpectedVersion } from '@factline/core';
import { describe, expect, it } from 'vitest';
import type { ConformanceWorld } from '../conformance-world.js';
import { expectNothingWritten, rejectionOf } from '../expect-nothing-written.js';
import { change, publication } from '../publication-builders.js';
import type { WriterOutcome } from '../writer-protocol.js';

/** How many writers race for one version; the invariant names 20. */
const racers = 20;

/**
 * Checks a race for one version: exactly one winner, and a conflict naming
 * the entity and both versions for everyone else.
 *
 * @param failures Per racer, its error, or `undefined` when it won.
 * @returns The winner's index.
 */
function expectOneWinner(
  failures: readonly unknown[],
  entityId: string,
  expectedVersion: ExpectedVersion,
  actualVersion: number,
): number {
  const winners = failures.flatMap((failure, index) => (failure === undefined ? [index] : []));
  expect(winners, 'exactly one publication wins').toHaveLength(1);
  expect(failures.filter((failure) => failure !== undefined)).toEqual(
    Array.from({ length: failures.length - 1 }, () =>
      expect.objectContaining({
        code: 'CONCURRENCY',
        name: 'ConcurrencyError',
        entityId,
        expectedVersion,
        actualVersion,
      }),
    ),
  );
  return winners[0] as number;
}

/**
 * Invariant 2: of publications that expect the same version of an entity,
 * exactly one succeeds; ordinals are 0, 1, 2… with no gap or duplicate.
 *
 * @param world The current test's store.
 */
export function describeOptimisticConcurrency(world: ConformanceWorld): void {
  describe('invariant 2: optimistic concurrency', () => {
    it('accepts "new" only for an entity that does not exist yet', async () => {
      const store = await world.store();
      const created = await store.publish(publication([change('occ-new', 'new', ['n0', 'n1'])]));

      const error = await expectNothingWritten([store], ['occ-new'], () =>
        rejectionOf(store.publish(publication([change('occ-new', 'new', ['again'])]))),
      );

      expect(created.versions).toEqual([{ id: 'occ-new', version: 1 }]);
      expect(error).toMatchObject({
        code: 'CONCURRENCY',
        entityId: 'occ-new',
        expectedVersion: 'new',
        actualVersion: 1,
      });
    });

    for (const { refused, id, expected, actual } of [
      { refused: 'a stale version', id: 'occ-numbered', expected: 1, actual: 2 },
      { refused: 'a version ahead of the entity', id: 'occ-numbered', expected: 3, actual: 2 },
      { refused: 'a version of a missing entity', id: 'occ-missing', expected: 0, actual: null },
    ]) {
      it(`refuses ${refused}`, async () => {
        const store = await world.store();
        await store.publish(publication([change('occ-numbered', 'new', ['e0', 'e1', 'e2'])]));

        const error = await expectNothingWritten([store], [id], () =>
          rejectionOf(store.publish(publication([change(id, expected, ['late'])]))),
        );

        expect(error).toMatchObject({
          code: 'CONCURRENCY',
          entityId: id,
          expectedVersion: expected,
          actualVersion: actual,
        });
      });
    }

    it('accepts a number when it is the current version, and continues the ordinals', async () => {
      const store = await world.store();
      await store.publish(publication([change('occ-current', 'new', ['e0', 'e1', 'e2'])]));

      const result = await store.publish(publication([change('occ-current', 2, ['e3', 'e4'])]));

      expect(result.versions).toEqual([{ id: 'occ-current', version: 4 }]);
      const events = await store.readEntity('occ-current');
      expect(events.map((event) => [event.ordinal, event.details])).toEqual(
        ['e0', 'e1', 'e2', 'e3', 'e4'].map((note, ordinal) => [ordinal, { note }]),
      );
      expect(await store.getEntity('occ-current')).toEqual({
        id: 'occ-current',
        type: 'Thing',
        version: 4,
      });
    });

    it('appends with "any" at whatever version, creating a missing entity', async () => {
      const store = await world.store();
      const created = await store.publish(publication([change('occ-any', 'any', ['a0', 'a1'])]));
      await store.publish(publication([change('occ-any', 1, ['a2'])]));
      const appended = await store.publish(publication([change('occ-any', 'any', ['a3'])]));

      expect(created.versions).toEqual([{ id: 'occ-any', version: 1 }]);
      expect(appended.versions).toEqual([{ id: 'occ-any', version: 3 }]);
      const events = await store.readEntity('occ-any');
      expect(events.map((event) => event.ordinal)).toEqual([0, 1, 2, 3]);
    });

    for (const expected of ['new', 0, 'any'] satisfies ExpectedVersion[]) {
      it(`refuses an entity stored with another type, expecting version ${JSON.stringify(expected)}`, async () => {
        const store = await world.store();
        await store.publish(publication([change('occ-typed', 'new', ['t0'], 'Order')]));

        const error = await expectNothingWritten([store], ['occ-typed'], () =>
          rejectionOf(
            store.publish(publication([change('occ-typed', expected, ['t1'], 'Invoice')])),
          ),
        );

        expect(error).toMatchObject({
          code: 'ENTITY_TYPE_MISMATCH',
          name: 'EntityTypeMismatchError',
          entityId: 'occ-typed',
          expectedType: 'Invoice',
          actualType: 'Order',
        });
      });
    }

    it(`lets exactly one of ${racers} publications through 5 connections win one version`, async () => {
      const stores = await Promise.all(Array.from({ length: 5 }, () => world.store()));
      await stores[0]?.publish(publication([change('occ-race', 'new', ['e0'])]));

      const settled = await Promise.allSettled(
        Array.from({ length: racers }, (_, index) =>
          stores[index % stores.length]?.publish(
            publication([change('occ-race', 0, [`racer-${index}`])]),
          ),
        ),
      );

      const failures = settled.map((result) =>
        result.status === 'fulfilled' ? undefined : result.reason,
      );
      const winner = expectOneWinner(failures, 'occ-race', 0, 1);
      const events = await stores[0]?.readEntity('occ-race');
      expect(events?.map((event) => [event.ordinal, event.details])).toEqual([
        [0, { note: 'e0' }],
        [1, { note: `racer-${winner}` }],
      ]);
    });

    it(`lets exactly one of ${racers} writer processes win each of 3 rounds, and the other ${racers - 1} get a ConcurrencyError`, async () => {
      const store = await world.store();
      const entity = 'occ-contested';
      const own = (writer: number) => `occ-own-${writer}`;
      // Round 1 races to create the entity, round 2 to append at version 0, and
      // round 3 to create an entity of one's own together with appending at 2.
      const writers = world.startWriters(
        Array.from({ length: racers }, (_, writer) => ({
          rounds: [
            [
              {
                kind: 'publish',
                publications: [publication([change(entity, 'new', [`w${writer}-r0`])])],
              },
            ],
            [
              {
                kind: 'publish',
                publications: [
                  publication([change(entity, 0, [`w${writer}-r1a`, `w${writer}-r1b`])]),
                ],
              },
            ],
            [
              {
                kind: 'publish',
                publications: [
                  publication([
                    change(own(writer), 'new', [`w${writer}-own`]),
                    change(entity, 2, [`w${writer}-r2`]),
                  ]),
                ],
              },
            ],
          ],
        })),
      );

      const winners: number[] = [];
      const rounds: { expected: ExpectedVersion; actual: number }[] = [
        { expected: 'new', actual: 0 },
        { expected: 0, actual: 2 },
        { expected: 2, actual: 3 },
      ];
      for (const { expected, actual } of rounds) {
        const failures = (await writers.runRound()).map((outcomes) => {
          expect(outcomes).toHaveLength(1);
          const outcome = outcomes[0] as WriterOutcome;
          return outcome.ok ? undefined : outcome.failure;
        });
        winners.push(expectOneWinner(failures, entity, expected, actual));
      }
      await writers.finish();

      const [first, second, third] = winners;
      const events = await store.readEntity(entity);
      expect(events.map((event) => [event.ordinal, event.position, event.details])).toEqual([
        [0, 1, { note: `w${first}-r0` }],
        [1, 2, { note: `w${second}-r1a` }],
        [2, 2, { note: `w${second}-r1b` }],
        [3, 3, { note: `w${third}-r2` }],
      ]);
      expect(await store.getEntity(entity)).toEqual({ id: entity, type: 'Thing', version: 3 });
      for (let writer = 0; writer < racers; writer++) {
        // A loser's own entity was in the same publication as its lost append.
        expect(await store.getEntity(own(writer))).toEqual(
          writer === third ? { id: own(writer), type: 'Thing', version: 0 } : undefined,
        );
      }
      expect(await store.head()).toBe(3);
    });
  });
}
