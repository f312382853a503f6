import { isFactlineError } from '@factline/core';
import { describe, expect, it } from 'vitest';
import type { ConformanceWorld } from '../conformance-world.js';
import { expectNothingWritten, rejectionOf } from '../expect-nothing-written.js';
import { change, publication } from '../publication-builders.js';
import { readLog } from '../read-log.js';

/**
 * Invariant 1: a publication is written whole or not at all, at one position.
 *
 * @param world The current test's store.
 */
export function describeAtomicity(world: ConformanceWorld): void {
  describe('invariant 1: a publication is written whole or not at all', () => {
    it('gives every event of a multi-entity publication one new position, in publication order', async () => {
      const store = await world.store();
      const first = await store.publish(publication([change('atom-a', 'new', ['a0'])]));
      const result = await store.publish(
        publication([
          change('atom-a', 0, ['a1', 'a2']),
          change('atom-b', 'new', ['b0']),
          change('atom-c', 'new', ['c0', 'c1'], 'Other'),
        ]),
      );

      expect(first).toEqual({
        position: 1,
        versions: [{ id: 'atom-a', version: 0 }],
        duplicate: false,
      });
      expect(result).toEqual({
        position: 2,
        versions: [
          { id: 'atom-a', version: 2 },
          { id: 'atom-b', version: 0 },
          { id: 'atom-c', version: 1 },
        ],
        duplicate: false,
      });
      const log = await readLog(store, { after: 1 });
      expect(
        log.map((event) => [event.position, event.entityId, event.ordinal, event.details]),
      ).toEqual([
        [2, 'atom-a', 1, { note: 'a1' }],
        [2, 'atom-a', 2, { note: 'a2' }],
        [2, 'atom-b', 0, { note: 'b0' }],
        [2, 'atom-c', 0, { note: 'c0' }],
        [2, 'atom-c', 1, { note: 'c1' }],
      ]);
      expect(await store.getEntity('atom-c')).toEqual({ id: 'atom-c', type: 'Other', version: 1 });
      expect(await store.head()).toBe(2);
    });

    for (const [index, place] of ['first', 'middle', 'last'].entries()) {
      it(`writes nothing when the ${place} of three entities conflicts`, async () => {
        const store = await world.store();
        const observer = await world.store();
        await store.publish(
          publication([change('atom-x', 'new', ['x0']), change('atom-z', 'new', ['z0', 'z1'])]),
        );
        // Every entity but the conflicting one is at the version the publication expects.
        const changes = [
          change('atom-x', index === 0 ? 3 : 0, ['x1']),
          change('atom-y', index === 1 ? 0 : 'new', ['y0', 'y1']),
          change('atom-z', index === 2 ? 'new' : 1, ['z2']),
        ];
        const conflicting = changes[index];

        const error = await expectNothingWritten(
          [store, observer],
          ['atom-x', 'atom-y', 'atom-z'],
          () => rejectionOf(store.publish(publication(changes))),
        );

        expect(isFactlineError(error, 'CONCURRENCY')).toBe(true);
        expect(error).toMatchObject({
          name: 'ConcurrencyError',
          entityId: conflicting?.id,
          expectedVersion: conflicting?.expectedVersion,
          actualVersion: [0, null, 1][index],
        });
      });
    }

    it('writes nothing when one entity of a publication is stored with another type', async () => {
      const store = await world.store();
      const observer = await world.store();
      await store.publish(publication([change('atom-typed', 'new', ['t0'], 'Order')]));

      const error = await expectNothingWritten([store, observer], ['atom-new', 'atom-typed'], () =>
        rejectionOf(
          store.publish(
            publication([
              change('atom-new', 'new', ['n0']),
              change('atom-typed', 0, ['t1'], 'Invoice'),
            ]),
          ),
        ),
      );

      expect(isFactlineError(error, 'ENTITY_TYPE_MISMATCH')).toBe(true);
      expect(error).toMatchObject({
        entityId: 'atom-typed',
        expectedType: 'Invoice',
        actualType: 'Order',
      });
    });

    it('writes nothing when one event of the last entity fails its schema', async () => {
      const store = await world.store();
      const observer = await world.store();
      await store.publish(publication([change('atom-counted', 'new', ['c0'])]));

      const error = await expectNothingWritten(
        [store, observer],
        ['atom-counted', 'atom-fresh'],
        () =>
          rejectionOf(
            store.publish(
              publication([
                change('atom-counted', 0, ['c1']),
                change('atom-fresh', 'new', [
                  { name: 'Counted', details: { count: 1 } },
                  { name: 'Counted', details: { count: -1 } },
                ]),
              ]),
            ),
          ),
      );

      expect(isFactlineError(error, 'VALIDATION')).toBe(true);
      expect(error).toMatchObject({ eventName: 'Counted', entityId: 'atom-fresh' });
    });
  });
}
