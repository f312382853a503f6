import { describe, expect, it } from 'vitest';
import type { ConformanceWorld } from '../conformance-world.js';
import { rejectionOf } from '../expect-nothing-written.js';
import { change, publication } from '../publication-builders.js';
import { readLog } from '../read-log.js';

/**
 * Invariant 6: the library never updates or deletes an event.
 *
 * @param world The current test's store.
 */
export function describeImmutability(world: ConformanceWorld): void {
  describe('invariant 6: stored events never change', () => {
    it('keeps every stored event exactly as it was through later writes, failures, repeats and migrations', async () => {
      const store = await world.store();
      await store.publish(
        publication([change('imm-a', 'new', ['a0', 'a1']), change('imm-b', 'new', ['b0'])]),
      );
      await store.publish(
        publication([change('imm-a', 1, ['a2'])], {
          commandId: 'imm-command',
          headers: { h: 'v' },
        }),
      );
      const before = await readLog(store);
      const historyBefore = await store.readEntity('imm-a');

      await store.publish(
        publication([change('imm-a', 'any', ['a3']), change('imm-c', 'new', ['c0'])]),
      );
      await rejectionOf(store.publish(publication([change('imm-b', 'new', ['b-again'])])));
      await rejectionOf(store.publish(publication([change('imm-a', 1, ['a-stale'])])));
      await rejectionOf(store.publish(publication([change('imm-b', 0, ['b1'], 'Other')])));
      await rejectionOf(
        store.publish(
          publication([change('imm-b', 0, [{ name: 'Counted', details: { count: -1 } }])]),
        ),
      );
      await store.publish(
        publication([change('imm-a', 1, ['a-repeat'])], { commandId: 'imm-command' }),
      );
      await store.migrate();
      const other = await world.store();
      await other.migrate();
      await other.publish(publication([change('imm-b', 0, ['b1'])]));

      const after = await readLog(other);
      expect(after.slice(0, before.length)).toEqual(before);
      expect(after.map((event) => event.details)).toEqual(
        ['a0', 'a1', 'b0', 'a2', 'a3', 'c0', 'b1'].map((note) => ({ note })),
      );
      expect((await other.readEntity('imm-a')).slice(0, historyBefore.length)).toEqual(
        historyBefore,
      );
    });
  });
}
