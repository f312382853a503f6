/**
 * The rows of a database server (PostgreSQL, MariaDB / MySQL): the same work
 * as the SQLite rows, plus eight concurrent writers. postgres.ts and mysql.ts
 * give the driver-specific parts (a ServerTarget, server-target.ts) and this
 * module runs the rows over them.
 *
 * Both contenders keep their connections open across trials, as an app
 * server does; every append trial starts from empty tables (TRUNCATE) and
 * ends with a check of what it stored.
 */
import { EventStore } from '@factline/core';
import {
  appendRowPlan,
  type Contender,
  readRowPlans,
  wantsReadRows,
} from './event-log-row-plans.js';
import { entityCount, entityIds, eventCount, formatCount } from './event-log-sizes.js';
import { factlineAppend } from './factline-append.js';
import { checkRead, factlineReadAll, factlineReadEntity } from './factline-reads.js';
import { type RowResult, time } from './measure.js';
import { bigEntity, fixtureLogSize, fixturePositions } from './read-fixture.js';
import { rowRunner } from './row-runner.js';
import type {
  AppendStats,
  ProviderOptions,
  RawEvent,
  RawReader,
  RawWriter,
  ServerTarget,
} from './server-target.js';
import { detailsOf, productPublication, type StockStore, stockEvents } from './stock-events.js';

/** The concurrent row: this many writers, each on entities of its own. */
export const writerCount = 8;
/** Events of the concurrent row, in all, one per publication. */
export const concurrentEventCount = 20_000;
/** Entities of each concurrent writer, round-robin. */
const entitiesPerWriter = 10;

/** The sum of `quantity` over the first `total` events, to check what was stored. */
function quantitySum(total: number): number {
  let sum = 0;
  for (let n = 0; n < total; n++) sum += detailsOf(n).quantity;
  return sum;
}

/**
 * `BENCH_PROVIDER_OPTIONS='{"maxBatchSize":1}' npm run bench -- postgres`
 * builds factline's provider with those options, to try them.
 */
export const providerOptions: ProviderOptions = JSON.parse(
  process.env.BENCH_PROVIDER_OPTIONS ?? '{}',
) as ProviderOptions;

/** How many trials each row runs. */
export interface RunCounts {
  readonly appendOne: number;
  readonly appendTen: number;
  readonly concurrent: number;
  readonly reads: number;
}

export const concurrentRowName = `${writerCount} writers: ${formatCount(concurrentEventCount)} events, 1/publication, ${writerCount * entitiesPerWriter} entities; raw unordered`;

/** The same, every publication with a command id of its own. */
export const concurrentCommandRowName = `${writerCount} writers, command ids: ${formatCount(concurrentEventCount)} events, 1/publication, ${writerCount * entitiesPerWriter} entities; raw unordered`;

/** The 8-writer row must beat the unordered raw floor by this much. */
export const concurrentTarget = 1.3;

/**
 * The command-id row must at least match the unordered raw floor doing the
 * same work: no issue set a target for it; it is here to catch regressions
 * (1.21–1.29× when it was added).
 */
export const concurrentCommandTarget = 1;

/** What the server rows do, for the notes under a section's table. */
export function serverNotes(rawDesigns: readonly string[]): string[] {
  const options = JSON.stringify(providerOptions);
  return [
    ...(options === '{}'
      ? []
      : [`factline's provider built with ${options} (BENCH_PROVIDER_OPTIONS).`]),
    `append: single writer, sequential awaits, round-robin over ${entityCount} entities; one transaction per publication:`,
    '  version compare-and-set, position taken late under a lock held until commit, insert;',
    '  factline also validates (valibot), checks the JSON, makes UUID v7 ids. Each trial on emptied tables.',
    `${writerCount} writers: ${writerCount} concurrent loops of ${formatCount(concurrentEventCount / writerCount)} sequential publications, each on ${entitiesPerWriter} entities of its own.`,
    '  factline: one EventStore (one provider, one pool) shared by the loops — its group committer batches them.',
    `  raw: ${writerCount} connections, each its own publications, positions from a sequence with NO commit ordering`,
    `  (the unordered design, which a poller can skip events of); target ≥ ${concurrentTarget}× that.`,
    `${writerCount} writers, command ids: the same, each publication with a command id of its own (idempotent commands);`,
    `  raw records it in "Commands" (id, position, versions) in the same statement, a plain insert; target ≥ ${concurrentCommandTarget}×.`,
    `readEntity: one entity's ${formatCount(eventCount)} events in ordinal order, JSON parsed, Date timestamps.`,
    `readAll: the whole log (${formatCount(fixtureLogSize)} events, ${formatCount(fixturePositions)} publications, written by factline) in position order,`,
    '  500 publications per page; factline through `for await` over readAll(); raw: SELECT by position range.',
    ...rawDesigns,
  ];
}

/**
 * Measures the rows of one server.
 *
 * @param target The server, its schema made.
 * @param log Where to say what is running.
 * @param include Which rows to run, by name.
 * @param runs How many trials each row runs.
 * @returns One result per row, in table order.
 */
export async function serverRows(
  target: ServerTarget,
  log: (message: string) => void,
  include: (row: string) => boolean,
  runs: RunCounts,
): Promise<RowResult[]> {
  const { run, results } = rowRunner(log, include);
  const store = new EventStore({ provider: target.provider(providerOptions), events: stockEvents });
  const closing: (() => Promise<void>)[] = [() => store.close()];
  try {
    // Rows 1 and 2: one writer, appends.
    const writer = await target.rawWriter('ordered');
    closing.push(() => writer.close());
    for (const perPublication of [1, 10]) {
      const bodies = {
        factline: (total: number) => factlineAppend(store, total, perPublication),
        raw: (total: number) => rawAppend(writer, total, perPublication),
      };
      const append = (contender: Contender, total: number) => {
        const body = bodies[contender];
        return async () => {
          await target.reset();
          const milliseconds = await body(total);
          checkAppended(await target.appendStats(), total, total / perPublication, 'ordered');
          return milliseconds;
        };
      };
      await run(
        appendRowPlan(
          perPublication,
          append,
          perPublication === 1 ? runs.appendOne : runs.appendTen,
        ),
      );
    }

    // Rows 3 and 4: eight writers, without and with command ids.
    const concurrentRows = [
      { name: concurrentRowName, commands: false, target: concurrentTarget },
      { name: concurrentCommandRowName, commands: true, target: concurrentCommandTarget },
    ].filter((row) => include(row.name));
    const writers: RawWriter[] = [];
    for (let index = 0; concurrentRows.length > 0 && index < writerCount; index++) {
      const unordered = await target.rawWriter('unordered');
      writers.push(unordered);
      closing.push(() => unordered.close());
    }
    for (const { name, commands, target: rowTarget } of concurrentRows) {
      const concurrent =
        (body: (total: number) => Promise<number>, total: number, order: 'ordered' | 'unordered') =>
        async () => {
          await target.reset();
          const milliseconds = await body(total);
          checkAppended(await target.appendStats(), total, total, order, commands ? total : 0);
          return milliseconds;
        };
      const factline = (total: number) => factlineConcurrent(store, total, commands);
      const raw = (total: number) => rawConcurrent(writers, total, commands);
      await run({
        name,
        events: concurrentEventCount,
        factline: concurrent(factline, concurrentEventCount, 'ordered'),
        raw: concurrent(raw, concurrentEventCount, 'unordered'),
        warmupFactline: concurrent(factline, 4_000, 'ordered'),
        warmupRaw: concurrent(raw, 4_000, 'unordered'),
        warmups: 1,
        runs: runs.concurrent,
        target: rowTarget,
      });
    }

    // Rows 4 and 5: reads of one fixture, written once by factline.
    if (!wantsReadRows(include)) return results;
    await target.reset();
    await writeReadFixture(store);
    checkAppended(await target.appendStats(), fixtureLogSize, fixturePositions, 'ordered');
    await target.fixtureWritten();
    const reader = await target.rawReader();
    closing.push(() => reader.close());
    const plans = readRowPlans(
      {
        readEntity: {
          factline: () => factlineReadEntity(store),
          raw: () => rawReadEntity(reader),
        },
        readAll: { factline: () => factlineReadAll(store), raw: () => rawReadAll(reader) },
      },
      runs.reads,
    );
    for (const plan of plans) await run(plan);
    return results;
  } finally {
    for (const close of closing.reverse()) await close();
  }
}

// ---------------------------------------------------------------- appends

/**
 * Raw: factlineAppend's loop (factline-append.ts), through the driver's
 * writer. A copy, not a shared loop with a publish callback: that callback
 * would be one more call per publication, inside the timed loop.
 */
async function rawAppend(
  writer: RawWriter,
  total: number,
  perPublication: number,
): Promise<number> {
  const versions: number[] = new Array(entityCount).fill(-1);
  return time(async () => {
    for (let publication = 0, n = 0; n < total; publication++) {
      const entity = publication % entityCount;
      const batch: RawEvent[] = [];
      for (let index = 0; index < perPublication; index++) {
        batch.push({ name: 'StockReceived', details: detailsOf(n++) });
      }
      versions[entity] = await writer.publish(
        entityIds[entity] as string,
        'Product',
        versions[entity] as number,
        batch,
      );
    }
  });
}

const writerEntityIds = Array.from({ length: writerCount }, (_, writer) =>
  Array.from({ length: entitiesPerWriter }, (_, index) => `writer-${writer}-product-${index}`),
);

/**
 * Runs `writerCount` loops at once; loop `w` writes events `w·share …` one
 * per publication, round-robin over its own entities.
 */
async function concurrently(
  total: number,
  publish: (
    writer: number,
    entityId: string,
    expected: number,
    details: ReturnType<typeof detailsOf>,
  ) => Promise<number>,
): Promise<number> {
  const share = total / writerCount;
  return time(() =>
    Promise.all(
      writerEntityIds.map(async (ids, writer) => {
        const versions: number[] = new Array(ids.length).fill(-1);
        for (let index = 0; index < share; index++) {
          const entity = index % ids.length;
          versions[entity] = await publish(
            writer,
            ids[entity] as string,
            versions[entity] as number,
            detailsOf(writer * share + index),
          );
        }
      }),
    ),
  );
}

/** A publication's command id in the command-id row: its entity and version are unique in a trial. */
function commandIdOf(entityId: string, expected: number): string {
  return `${entityId}@${expected}`;
}

/** factline: the loops share one store; its group committer batches them. */
function factlineConcurrent(store: StockStore, total: number, commands: boolean): Promise<number> {
  return concurrently(total, async (_writer, entityId, expected, details) => {
    const result = await store.publish({
      actor: 'user:bench',
      ...(commands ? { commandId: commandIdOf(entityId, expected) } : {}),
      entities: [
        {
          id: entityId,
          type: 'Product',
          expectedVersion: expected < 0 ? 'new' : expected,
          events: [{ name: 'StockReceived', details }],
        },
      ],
    });
    return (result.versions[0] as { version: number }).version;
  });
}

/** Raw: each loop on its own connection. */
function rawConcurrent(
  writers: readonly RawWriter[],
  total: number,
  commands: boolean,
): Promise<number> {
  return concurrently(total, (writer, entityId, expected, details) =>
    (writers[writer] as RawWriter).publish(
      entityId,
      'Product',
      expected,
      [{ name: 'StockReceived', details }],
      commands ? commandIdOf(entityId, expected) : undefined,
    ),
  );
}

/** Checks that a write trial stored what it should: events, positions, versions, details. */
function checkAppended(
  stats: AppendStats,
  total: number,
  publications: number,
  order: 'ordered' | 'unordered',
  commands = 0,
): void {
  const right =
    stats.events === total &&
    stats.commands === commands &&
    stats.positions === publications &&
    // Ordered positions are contiguous from 1; unordered ones need only differ.
    (order === 'unordered' || stats.head === publications) &&
    stats.versionSum === total &&
    stats.versionMismatches === 0 &&
    stats.quantitySum === quantitySum(total) &&
    stats.firstDetails === JSON.stringify(detailsOf(0));
  if (!right) {
    throw new Error(
      `A write trial stored the wrong thing (${total} events, ${publications} publications expected): ${JSON.stringify(stats)}`,
    );
  }
}

// ---------------------------------------------------------------- reads

/**
 * Writes the read fixture with factline: 100 loops of one-event publications
 * (one per entity) and one loop of publications of ten to the big entity,
 * all at once, so the group committer writes it quickly.
 */
async function writeReadFixture(store: StockStore): Promise<void> {
  const rounds = eventCount / entityCount;
  const small = entityIds.map(async (id, entity) => {
    for (let round = 0; round < rounds; round++) {
      await store.publish(
        productPublication(id, round === 0 ? 'new' : round - 1, [
          { name: 'StockReceived', details: detailsOf(round * entityCount + entity) },
        ]),
      );
    }
  });
  const big = (async () => {
    for (let publication = 0; publication < eventCount / 10; publication++) {
      const batch = Array.from({ length: 10 }, (_, index) => ({
        name: 'StockReceived' as const,
        details: detailsOf(eventCount + publication * 10 + index),
      }));
      await store.publish(
        productPublication(bigEntity, publication === 0 ? 'new' : publication * 10 - 1, batch),
      );
    }
  })();
  await Promise.all([...small, big]);
}

/**
 * Raw: the big entity's events in one query, through the driver's reader.
 * factlineReadEntity's body, kept apart: its arrays are of another elements
 * kind than factline's, and one loop over both would run polymorphic.
 */
async function rawReadEntity(reader: RawReader): Promise<number> {
  let count = 0;
  const milliseconds = await time(async () => {
    const history = await reader.readEntity(bigEntity);
    for (const event of history) if (event.ordinal >= 0) count++;
  });
  checkRead(count, eventCount);
  return milliseconds;
}

/** Raw: pages of 500 positions by position range, until a page is short. */
async function rawReadAll(reader: RawReader): Promise<number> {
  const pageSize = 500;
  let count = 0;
  const milliseconds = await time(async () => {
    for (let after = 0; ; after += pageSize) {
      const page = await reader.readPositions(after, after + pageSize);
      for (const event of page) if (event.position > 0) count++;
      const last = page[page.length - 1];
      if (last === undefined || last.position - after < pageSize) break;
    }
  });
  checkRead(count, fixtureLogSize);
  return milliseconds;
}
