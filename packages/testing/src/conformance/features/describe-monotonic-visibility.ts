import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { ExpectedVersion, StoredEvent } from '@factline/core';
import { describe, expect, it } from 'vitest';
import type { ConformanceEvents, ConformancePublication } from '../conformance-events.js';
import type { ConformanceWorld } from '../conformance-world.js';
import { publication } from '../publication-builders.js';
import { readLog } from '../read-log.js';
import type { WriterOutcome } from '../writer-protocol.js';

/** Writer processes; more than a 2-core machine runs at once, so commits interleave. */
const writers = 8;
/**
 * Rounds, each started by one barrier. Even rounds publish flat out; odd
 * rounds wait 1 ms between publications, so that writers take turns at
 * every commit rather than in bursts (a waiting SQLite writer sleeps).
 */
const rounds = 4;
/** Publications per writer per round. */
const perRound = 50;
/** Entities each writer owns and publishes to with numeric or "new" versions. */
const ownedEntities = 5;
/** An entity every writer appends to with `'any'`. */
const sharedEntity = 'vis-shared';
/** Publications per page the poller asks for: small, so it pages a lot. */
const pollPage = 64;

/** One planned publication of a writer, and the events it must show up as. */
interface PlannedPublication {
  readonly writer: number;
  readonly sequence: number;
  readonly publication: ConformancePublication;
  /** Its events in publication order, as `entityId` and details. */
  readonly events: readonly (readonly [string, unknown])[];
}

/**
 * Plans one writer's publications, round by round: 1–3 events on one of its
 * own entities, every 4th also on a second one, every 10th also on the
 * shared entity with `'any'`.
 */
function planWriter(writer: number): PlannedPublication[][] {
  const versions = new Map<string, number>();
  const plan: PlannedPublication[][] = [];
  let sequence = 0;
  for (let round = 0; round < rounds; round++) {
    const planned: PlannedPublication[] = [];
    for (let count = 0; count < perRound; count++, sequence++) {
      const targets: { id: string; events: number }[] = [
        { id: `vis-w${writer}-e${sequence % ownedEntities}`, events: 1 + (sequence % 3) },
      ];
      if (sequence % 4 === 3)
        targets.push({ id: `vis-w${writer}-e${(sequence + 1) % ownedEntities}`, events: 1 });
      if (sequence % 10 === 5) targets.push({ id: sharedEntity, events: 1 });
      let index = 0;
      const events: (readonly [string, unknown])[] = [];
      const entities = targets.map(({ id, events: count }) => {
        const version = versions.get(id);
        const expectedVersion: ExpectedVersion = id === sharedEntity ? 'any' : (version ?? 'new');
        versions.set(id, (version ?? -1) + count);
        const written = Array.from({ length: count }, () => {
          const details = { writer, sequence, index: index++ };
          events.push([id, details]);
          return { name: 'Written' as const, details };
        });
        return { id, type: 'Visible', expectedVersion, events: written };
      });
      planned.push({ writer, sequence, publication: publication(entities), events });
    }
    plan.push(planned);
  }
  return plan;
}

/**
 * Invariant 3: once a reader has seen position P, nothing at a position ≤ P
 * becomes visible later, so `position > checkpoint` never skips an event.
 *
 * @param world The current test's store.
 */
export function describeMonotonicVisibility(world: ConformanceWorld): void {
  describe('invariant 3: monotonic visibility', () => {
    const publications = writers * rounds * perRound;
    const plans = Array.from({ length: writers }, (_, writer) => planWriter(writer));
    const eventCount = plans.flat(2).reduce((sum, planned) => sum + planned.events.length, 0);
    // 8 writers × 4 rounds × 50 publications = 1600 publications (event count in the title).
    it(`lets a poller of position > checkpoint see each of ${publications} publications (${eventCount} events) of ${writers} writer processes once, in order, with no gap, over ${rounds} rounds`, async () => {
      const store = await world.store();
      const poller = await world.store();
      await store.publish(
        publication([
          {
            id: sharedEntity,
            type: 'Visible',
            expectedVersion: 'new',
            events: [{ name: 'Happened', details: { note: 'start' } }],
          },
        ]),
      );
      const group = world.startWriters(
        plans.map((plan) => ({
          rounds: plan.map((planned, round) => [
            {
              kind: 'publish' as const,
              publications: planned.map((item) => item.publication),
              ...(round % 2 === 1 ? { spacing: 1 } : {}),
            },
          ]),
        })),
      );

      // What the poller saw, by position, and everything wrong with it.
      const seen = new Map<number, StoredEvent<ConformanceEvents>[]>();
      const problems: string[] = [];
      let checkpoint = 0;
      let seenWhileWriting = 0;
      const poll = async (): Promise<number> => {
        const page = await poller.readPage(checkpoint, pollPage);
        let position = checkpoint;
        for (const event of page.events) {
          if (event.position === position) {
            seen.get(position)?.push(event);
            continue;
          }
          if (event.position !== position + 1) {
            problems.push(`after position ${position} the poller got position ${event.position}`);
          }
          position = event.position;
          if (seen.has(position)) problems.push(`the poller saw position ${position} twice`);
          seen.set(position, [event]);
        }
        if (page.lastPosition !== position) {
          problems.push(
            `page after ${checkpoint} ended at ${position} but said ${page.lastPosition}`,
          );
        }
        checkpoint = page.lastPosition;
        return page.events.length;
      };

      const outcomes: WriterOutcome[][] = Array.from({ length: writers }, () => []);
      for (let round = 0; round < rounds; round++) {
        let writing = true;
        const results = group.runRound().finally(() => {
          writing = false;
        });
        // Handled by the await below; this only keeps the poll loop from an unhandled rejection.
        results.catch(() => undefined);
        while (writing) {
          seenWhileWriting += await poll();
          // A synchronous driver never yields on its own; let the writers' messages in.
          await yieldToEventLoop();
        }
        for (const [writer, writerOutcomes] of (await results).entries()) {
          outcomes[writer]?.push(...writerOutcomes);
        }
      }
      await group.finish();
      while ((await poll()) > 0);

      expect(problems).toEqual([]);
      const failures = outcomes.flat().flatMap((outcome) => (outcome.ok ? [] : [outcome.failure]));
      expect(failures, 'publications that failed').toEqual([]);
      // Every position holds one publication: the events of one writer's one publication.
      const publicationOf = (event: StoredEvent<ConformanceEvents>): string => {
        const { writer, sequence } = event.details as { writer?: number; sequence?: number };
        return `${writer}/${sequence}`;
      };
      const shared = [...seen].filter(([, events]) => new Set(events.map(publicationOf)).size > 1);
      expect(
        shared.map(([position]) => position),
        'positions shared by several publications',
      ).toEqual([]);

      // Each planned publication is whole at the position its writer was told.
      const positions = new Set<number>();
      plans.forEach((plan, writer) => {
        plan.flat().forEach((planned, index) => {
          const outcome = outcomes[writer]?.[index];
          expect(outcome).toMatchObject({ ok: true, duplicate: false });
          if (!outcome?.ok) return;
          positions.add(outcome.position);
          const events = seen.get(outcome.position) ?? [];
          expect(events.map((event) => [event.entityId, event.details])).toEqual(planned.events);
        });
      });
      expect(positions.size).toBe(publications);
      const head = await store.head();
      expect(head).toBe(publications + 1);
      expect(checkpoint).toBe(head);
      expect([...seen.keys()]).toEqual(Array.from({ length: head }, (_, index) => index + 1));
      expect(seenWhileWriting, 'the poller read while the writers wrote').toBeGreaterThan(0);
      const writerAt = [...seen.values()].map(
        (events) => (events[0]?.details as { writer?: number } | undefined)?.writer,
      );
      const turns = writerAt.filter(
        (writer, index) => index > 0 && writer !== writerAt[index - 1],
      ).length;
      expect(turns, 'the writers took turns').toBeGreaterThan(writers * rounds);

      // The poller's view is the log, and every entity's ordinals are 0…n-1.
      const log = await readLog(store);
      expect([...seen.values()].flat().map((event) => [event.id, event.position])).toEqual(
        log.map((event) => [event.id, event.position]),
      );
      expect(new Set(log.map((event) => event.id)).size).toBe(log.length);
      const perEntity = new Map<string, number>();
      for (const event of log)
        perEntity.set(event.entityId, (perEntity.get(event.entityId) ?? 0) + 1);
      for (const [id, count] of perEntity) {
        const history = await store.readEntity(id);
        expect(history.map((event) => event.ordinal)).toEqual(
          Array.from({ length: count }, (_, ordinal) => ordinal),
        );
        expect(await store.getEntity(id)).toEqual({ id, type: 'Visible', version: count - 1 });
      }
    }, 120_000);
  });
}
