import { EventStore, type InlineProjection, isFactlineError } from '@factline/core';
import { describe, expect, it, type TestContext } from 'vitest';
import { type ConformanceEvents, conformanceEvents } from '../conformance-events.js';
import type { ConformanceReadModel } from '../conformance-harness.js';
import type { ConformanceWorld } from '../conformance-world.js';
import { change, publication } from '../publication-builders.js';

/** A store with inline projections that write through the harness's read model. */
async function inlineStore(
  world: ConformanceWorld,
  context: TestContext,
  projections: (readModel: ConformanceReadModel) => InlineProjection<ConformanceEvents, unknown>[],
) {
  const { readModel } = world.harness;
  if (readModel === undefined) {
    context.skip('The harness gives no readModel: inline projections cannot be checked.');
  }
  const model = readModel as ConformanceReadModel;
  const provider = await world.connect();
  await model.create?.(provider);
  const store = new EventStore({ provider, events: conformanceEvents, inline: projections(model) });
  return { store, provider, read: () => model.read(provider) };
}

/** Writes a value, then calls `then` — synchronously when the read model's writes are. */
function writeThen(
  readModel: ConformanceReadModel,
  transaction: unknown,
  value: string,
  then: () => void,
): void | Promise<void> {
  const written = readModel.write(transaction, value);
  if (written === undefined) return then();
  return written.then(then);
}

/**
 * Inline projections: their handlers run in the publication's transaction,
 * see the events as they are stored, and roll the publication back when
 * they throw.
 *
 * @param world The current test's store.
 */
export function describeInlineProjections(world: ConformanceWorld): void {
  describe('inline projections', () => {
    it('runs handlers in the publication, with the events as stored', async (context) => {
      const seen: { id: string; ordinal: number; position: number; note: string }[] = [];
      const { store, read } = await inlineStore(world, context, (readModel) => [
        {
          name: 'notes',
          handlers: {
            Happened: (event, transaction) =>
              writeThen(readModel, transaction, event.details.note, () => {
                seen.push({
                  id: event.id,
                  ordinal: event.ordinal,
                  position: event.position,
                  note: event.details.note,
                });
              }),
          },
        },
      ]);

      await store.publish(publication([change('inline-a', 'new', ['a0', 'a1'])]));
      await store.publish(
        publication([change('inline-a', 1, ['a2']), change('inline-b', 'new', ['b0'])]),
      );

      expect(await read()).toEqual(['a0', 'a1', 'a2', 'b0']);
      const stored = [
        ...(await store.readEntity('inline-a')),
        ...(await store.readEntity('inline-b')),
      ].map((event) => ({
        id: event.id,
        ordinal: event.ordinal,
        position: event.position,
        note: (event.details as { note: string }).note,
      }));
      expect(seen).toEqual(stored);
    });

    it('rolls the whole publication back when a handler throws, and reports it as an InlineProjectionError', async (context) => {
      const invariant = new Error('stock may not go below zero');
      const { store, read } = await inlineStore(world, context, (readModel) => [
        {
          name: 'guard',
          handlers: {
            Happened: (event, transaction) =>
              writeThen(readModel, transaction, event.details.note, () => {
                if (event.details.note === 'refused') throw invariant;
              }),
          },
        },
      ]);
      await store.publish(publication([change('inline-c', 'new', ['c0'])]));

      const error = await store
        .publish(
          publication(
            [change('inline-c', 0, ['c1']), change('inline-d', 'new', ['ok', 'refused'])],
            { commandId: 'inline-command' },
          ),
        )
        .catch((caught: unknown) => caught);

      expect(isFactlineError(error, 'INLINE_PROJECTION')).toBe(true);
      expect(error).toMatchObject({
        projection: 'guard',
        eventName: 'Happened',
        entityId: 'inline-d',
      });
      expect((error as Error).cause).toBe(invariant);
      expect(await store.head()).toBe(1);
      expect(await store.getEntity('inline-c')).toMatchObject({ version: 0 });
      expect(await store.getEntity('inline-d')).toBeUndefined();
      expect(await read()).toEqual(['c0']);
      // The command id was not recorded either: the command can run again.
      const retried = await store.publish(
        publication([change('inline-c', 0, ['c1'])], { commandId: 'inline-command' }),
      );
      expect(retried).toMatchObject({ position: 2, duplicate: false });
    });

    it('does not run handlers for a publication that is not written', async (context) => {
      const { store, read } = await inlineStore(world, context, (readModel) => [
        {
          name: 'notes',
          handlers: {
            Happened: (event, transaction) => readModel.write(transaction, event.details.note),
          },
        },
      ]);
      await store.publish(publication([change('inline-e', 'new', ['e0'])], { commandId: 'once' }));

      await expect(
        store.publish(publication([change('inline-e', 'new', ['conflict'])])),
      ).rejects.toMatchObject({ code: 'CONCURRENCY' });
      const duplicate = await store.publish(
        publication([change('inline-e', 'new', ['duplicate'])], { commandId: 'once' }),
      );

      expect(duplicate.duplicate).toBe(true);
      expect(await read()).toEqual(['e0']);
    });
  });
}
