/**
 * The rows of a database server (PostgreSQL, MariaDB / MySQL): the same work
 * as the SQLite rows, plus eight concurrent writers. postgres.ts and mysql.ts
 * give the driver-specific parts — factline's provider, the raw driver's
 * writer and reader, emptying and checking the tables — and this module runs
 * the rows over them.
 *
 * Both contenders keep their connections open across trials, as an app
 * server does; every append trial starts from empty tables (TRUNCATE) and
 * ends with a check of what it stored.
 */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { defineEvents, EventStore, type Provider } from '@factline/core';
import * as v from 'valibot';
import { measureRow, type RowPlan, type RowResult, time } from './measure.js';

/** 10,000 events per single-writer row and per read of one entity. */
export const eventCount = 10_000;
/** Single-writer rows spread publications round-robin over this many entities. */
export const entityCount = 100;
/** The concurrent row: this many writers, each on entities of its own. */
export const writerCount = 8;
/** Events of the concurrent row, in all, one per publication. */
export const concurrentEventCount = 20_000;
/** Entities of each concurrent writer, round-robin. */
const entitiesPerWriter = 10;
export const millisecondsPerDay = 86_400_000;

export const events = defineEvents({
  StockReceived: v.object({
    sku: v.string(),
    quantity: v.pipe(v.number(), v.integer(), v.minValue(1)),
    warehouse: v.string(),
  }),
});

/** The read fixture: 10,000 one-event publications and one entity of 10,000 events. */
export const bigEntity = 'product-big';
export const fixtureLogSize = 2 * eventCount;
export const fixturePositions = eventCount + eventCount / 10;

const entityIds = Array.from({ length: entityCount }, (_, index) => `product-${index}`);

/** The details of the n-th event: the same values on both sides. */
export function detailsOf(n: number) {
  return { sku: `SKU-${n % 1000}`, quantity: 1 + (n % 7), warehouse: 'north' };
}

/** The sum of `quantity` over the first `total` events, to check what was stored. */
function quantitySum(total: number): number {
  let sum = 0;
  for (let n = 0; n < total; n++) sum += detailsOf(n).quantity;
  return sum;
}

/** A UUID v7 (48-bit millisecond time, version 7, random rest) — the cheapest honest one. */
export function rawUuidV7(millis: number): string {
  const time = millis.toString(16).padStart(12, '0');
  // randomUUID(): xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx; keep its random and variant bits.
  return `${time.slice(0, 8)}-${time.slice(8)}-7${randomUUID().slice(15)}`;
}

/** An event for the raw writers: its name and its details, not yet serialised. */
export interface RawEvent {
  readonly name: string;
  readonly details: unknown;
}

/** The raw driver's publications, on one connection. */
export interface RawWriter {
  /**
   * One publication of one entity, in one transaction: compare-and-set the
   * version (insert when `expected` is -1), take a position, insert the events.
   *
   * @returns The entity's new version.
   * @throws When the entity was not at `expected`.
   */
  publish(
    entityId: string,
    type: string,
    expected: number,
    batch: readonly RawEvent[],
  ): Promise<number>;
  close(): Promise<void>;
}

/** The raw driver's reads, on one connection; events built as factline builds them. */
export interface RawReader {
  readEntity(entityId: string): Promise<ReadEvent[]>;
  /** Events with `after < position <= upTo`, by position, then id. */
  readPositions(after: number, upTo: number): Promise<ReadEvent[]>;
  close(): Promise<void>;
}

/** What an append trial left in the tables. */
export interface AppendStats {
  readonly events: number;
  readonly positions: number;
  readonly head: number;
  /** Σ (version + 1) over entities: the events each entity says it has. */
  readonly versionSum: number;
  /** Entities whose version is not the highest ordinal of their events. */
  readonly versionMismatches: number;
  /** Σ details.quantity, parsed by the server: the details arrived intact. */
  readonly quantitySum: number;
  /** The stored text of the details of event 0 ({@link firstEntityIds}' ordinal 0): exactly as sent. */
  readonly firstDetails: string | null;
}

/** The entities whose ordinal 0 holds `detailsOf(0)`, in every write row and in the fixture. */
export const firstEntityIds = ['product-0', 'writer-0-product-0'] as const;

/** Options for factline's provider, e.g. `{ "maxBatchSize": 1 }`, for experiments. */
export interface ProviderOptions {
  readonly maxBatchSize?: number;
}

/**
 * `BENCH_PROVIDER_OPTIONS='{"maxBatchSize":1}' npm run bench -- postgres`
 * builds factline's provider with those options, to try them.
 */
export const providerOptions: ProviderOptions = JSON.parse(
  process.env.BENCH_PROVIDER_OPTIONS ?? '{}',
) as ProviderOptions;

/** A database server, its schema made, as the rows use it. */
export interface ServerTarget {
  /** A new provider on the bench schema. */
  provider(options: ProviderOptions): Provider;
  /**
   * A raw writer on a connection of its own. `ordered`: positions allocated
   * late, under a lock held until commit (the protocol's rule); `unordered`:
   * from a sequence, in no particular commit order.
   */
  rawWriter(order: 'ordered' | 'unordered'): Promise<RawWriter>;
  rawReader(): Promise<RawReader>;
  /** Empties the tables; restarts the Head counter and the raw sequence. */
  reset(): Promise<void>;
  appendStats(): Promise<AppendStats>;
  /** After the read fixture is written (e.g. ANALYZE). */
  fixtureWritten(): Promise<void>;
}

/** The event shape factline returns, built by the raw readers too. */
export interface ReadEvent {
  readonly id: string;
  readonly entityId: string;
  readonly name: string;
  readonly details: unknown;
  readonly ordinal: number;
  readonly position: number;
  readonly actor: string;
  readonly timestamp: Date;
  readonly schemaVersion: number;
  readonly metadata: object;
}

export const noMetadata = Object.freeze({});

/** How many trials each row runs. */
export interface RunCounts {
  readonly appendOne: number;
  readonly appendTen: number;
  readonly concurrent: number;
  readonly reads: number;
}

function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

export const appendRowName = (perPublication: number) =>
  `append ${formatCount(eventCount)} events, ${perPublication}/publication, ${entityCount} entities`;
export const concurrentRowName = `${writerCount} writers: ${formatCount(concurrentEventCount)} events, 1/publication, ${writerCount * entitiesPerWriter} entities; raw unordered`;
export const readEntityRowName = `readEntity: 1 entity of ${formatCount(eventCount)} events`;
export const readAllRowName = `readAll: log of ${formatCount(fixtureLogSize)} events`;

/** The 8-writer row must beat the unordered raw floor by this much. */
export const concurrentTarget = 1.3;

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
  const results: RowResult[] = [];
  const run = async (plan: RowPlan) => {
    if (!include(plan.name)) return;
    const started = performance.now();
    const result = await measureRow(plan);
    log(
      `  ${plan.name}: ${((performance.now() - started) / 1000).toFixed(1)} s (load average ${loadavg()[0]?.toFixed(2)})`,
    );
    results.push(result);
  };
  const store = new EventStore({ provider: target.provider(providerOptions), events });
  const closing: (() => Promise<void>)[] = [() => store.close()];
  try {
    // Rows 1 and 2: one writer, appends.
    const writer = await target.rawWriter('ordered');
    closing.push(() => writer.close());
    for (const perPublication of [1, 10]) {
      const append = (body: (total: number) => Promise<number>, total: number) => async () => {
        await target.reset();
        const milliseconds = await body(total);
        checkAppended(await target.appendStats(), total, total / perPublication, 'ordered');
        return milliseconds;
      };
      const factline = (total: number) => factlineAppend(store, total, perPublication);
      const raw = (total: number) => rawAppend(writer, total, perPublication);
      await run({
        name: appendRowName(perPublication),
        events: eventCount,
        factline: append(factline, eventCount),
        raw: append(raw, eventCount),
        warmupFactline: append(factline, 2_000),
        warmupRaw: append(raw, 2_000),
        warmups: 1,
        runs: perPublication === 1 ? runs.appendOne : runs.appendTen,
      });
    }

    // Row 3: eight writers.
    if (include(concurrentRowName)) {
      const writers: RawWriter[] = [];
      for (let index = 0; index < writerCount; index++) {
        const unordered = await target.rawWriter('unordered');
        writers.push(unordered);
        closing.push(() => unordered.close());
      }
      const concurrent =
        (body: (total: number) => Promise<number>, total: number, order: 'ordered' | 'unordered') =>
        async () => {
          await target.reset();
          const milliseconds = await body(total);
          checkAppended(await target.appendStats(), total, total, order);
          return milliseconds;
        };
      const factline = (total: number) => factlineConcurrent(store, total);
      const raw = (total: number) => rawConcurrent(writers, total);
      await run({
        name: concurrentRowName,
        events: concurrentEventCount,
        factline: concurrent(factline, concurrentEventCount, 'ordered'),
        raw: concurrent(raw, concurrentEventCount, 'unordered'),
        warmupFactline: concurrent(factline, 4_000, 'ordered'),
        warmupRaw: concurrent(raw, 4_000, 'unordered'),
        warmups: 1,
        runs: runs.concurrent,
        target: concurrentTarget,
      });
    }

    // Rows 4 and 5: reads of one fixture, written once by factline.
    if (!include(readEntityRowName) && !include(readAllRowName)) return results;
    await target.reset();
    await writeReadFixture(store);
    checkAppended(await target.appendStats(), fixtureLogSize, fixturePositions, 'ordered');
    await target.fixtureWritten();
    const reader = await target.rawReader();
    closing.push(() => reader.close());
    await run({
      name: readEntityRowName,
      events: eventCount,
      factline: () => factlineReadEntity(store),
      raw: () => rawReadEntity(reader),
      warmups: 5,
      runs: runs.reads,
    });
    await run({
      name: readAllRowName,
      events: fixtureLogSize,
      factline: () => factlineReadAll(store),
      raw: () => rawReadAll(reader),
      warmups: 5,
      runs: runs.reads,
    });
    return results;
  } finally {
    for (const close of closing.reverse()) await close();
  }
}

// ---------------------------------------------------------------- appends

type Store = EventStore<typeof events>;

/**
 * factline: one `publish` per publication, to entity `n % 100`, expecting
 * `'new'` first and then the version the previous publish returned.
 */
export async function factlineAppend(
  store: Store,
  total: number,
  perPublication: number,
): Promise<number> {
  const versions: number[] = new Array(entityCount).fill(-1);
  return time(async () => {
    for (let publication = 0, n = 0; n < total; publication++) {
      const entity = publication % entityCount;
      const batch = [];
      for (let index = 0; index < perPublication; index++) {
        batch.push({ name: 'StockReceived' as const, details: detailsOf(n++) });
      }
      const version = versions[entity] as number;
      const result = await store.publish({
        actor: 'user:bench',
        entities: [
          {
            id: entityIds[entity] as string,
            type: 'Product',
            expectedVersion: version < 0 ? 'new' : version,
            events: batch,
          },
        ],
      });
      versions[entity] = (result.versions[0] as { version: number }).version;
    }
  });
}

/** Raw: the same loop, through the driver's writer. */
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

/** factline: the loops share one store; its group committer batches them. */
function factlineConcurrent(store: Store, total: number): Promise<number> {
  return concurrently(total, async (_writer, entityId, expected, details) => {
    const result = await store.publish({
      actor: 'user:bench',
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
function rawConcurrent(writers: readonly RawWriter[], total: number): Promise<number> {
  return concurrently(total, (writer, entityId, expected, details) =>
    (writers[writer] as RawWriter).publish(entityId, 'Product', expected, [
      { name: 'StockReceived', details },
    ]),
  );
}

/** Checks that a write trial stored what it should: events, positions, versions, details. */
function checkAppended(
  stats: AppendStats,
  total: number,
  publications: number,
  order: 'ordered' | 'unordered',
): void {
  const right =
    stats.events === total &&
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
async function writeReadFixture(store: Store): Promise<void> {
  const rounds = eventCount / entityCount;
  const small = entityIds.map(async (id, entity) => {
    for (let round = 0; round < rounds; round++) {
      await store.publish({
        actor: 'user:bench',
        entities: [
          {
            id,
            type: 'Product',
            expectedVersion: round === 0 ? 'new' : round - 1,
            events: [{ name: 'StockReceived', details: detailsOf(round * entityCount + entity) }],
          },
        ],
      });
    }
  });
  const big = (async () => {
    for (let publication = 0; publication < eventCount / 10; publication++) {
      const batch = Array.from({ length: 10 }, (_, index) => ({
        name: 'StockReceived' as const,
        details: detailsOf(eventCount + publication * 10 + index),
      }));
      await store.publish({
        actor: 'user:bench',
        entities: [
          {
            id: bigEntity,
            type: 'Product',
            expectedVersion: publication === 0 ? 'new' : publication * 10 - 1,
            events: batch,
          },
        ],
      });
    }
  })();
  await Promise.all([...small, big]);
}

function checkRead(count: number, expected: number): void {
  if (count !== expected) throw new Error(`A read trial got ${count} events, not ${expected}.`);
}

async function factlineReadEntity(store: Store): Promise<number> {
  let count = 0;
  const milliseconds = await time(async () => {
    const history = await store.readEntity(bigEntity);
    for (const event of history) if (event.ordinal >= 0) count++;
  });
  checkRead(count, eventCount);
  return milliseconds;
}

async function rawReadEntity(reader: RawReader): Promise<number> {
  let count = 0;
  const milliseconds = await time(async () => {
    const history = await reader.readEntity(bigEntity);
    for (const event of history) if (event.ordinal >= 0) count++;
  });
  checkRead(count, eventCount);
  return milliseconds;
}

/** factline: `for await` over `readAll()` with its default page size (500 publications). */
async function factlineReadAll(store: Store): Promise<number> {
  let count = 0;
  const milliseconds = await time(async () => {
    for await (const event of store.readAll()) if (event.position > 0) count++;
  });
  checkRead(count, fixtureLogSize);
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
