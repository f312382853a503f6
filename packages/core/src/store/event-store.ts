import { ConcurrencyError } from '../errors/concurrency-error.js';
import { EntityTypeMismatchError } from '../errors/entity-type-mismatch-error.js';
import { isFactlineError } from '../errors/factline-error.js';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { ProviderError } from '../errors/provider-error.js';
import type { EventRegistry } from '../event/event-registry.js';
import { toJsonText } from '../event/json-text.js';
import { toProtocolTimestamp } from '../event/timestamp.js';
import type { EntityRow, PackedEventRow, Provider, PublicationWork } from '../provider/provider.js';
import { contiguousPrefix } from './contiguous-prefix.js';
import {
  eventFromPackedColumns,
  type PackedEventColumns,
  parsePackedRow,
} from './event-from-packed-row.js';
import { eventFromRow } from './event-from-row.js';
import type { EventPage } from './event-page.js';
import { type FoldEvent, foldEventsFromRows } from './fold-event.js';
import { type InlineProjection, inlineWork } from './inline-projection.js';
import { preparePublication } from './prepare-publication.js';
import type { Publication, PublishResult } from './publication.js';
import type { Snapshot, SnapshotInput } from './snapshot.js';
import { snapshotFromRow } from './snapshot-from-row.js';
import type { StoredEvent } from './stored-event.js';

/** How to build an {@link EventStore}. */
export interface EventStoreConfig<TRegistry extends EventRegistry, TTransaction = unknown> {
  /** Where events are kept: `SqliteProvider`, `PostgresProvider`, `MysqlProvider` or your own. */
  readonly provider: Provider<TTransaction>;
  /** The events this store writes and reads, from `defineEvents`. */
  readonly events: TRegistry;
  /** The clock that stamps events; the system clock by default. */
  readonly clock?: () => Date;
  /**
   * Read models kept strongly consistent with the log: their handlers run in
   * each publication's transaction, and one that throws rolls it back.
   */
  readonly inline?: readonly InlineProjection<TRegistry, TTransaction>[];
}

/** Where to read an entity's history. */
export interface ReadEntityOptions {
  /** Read events with an ordinal greater than this (exclusive). */
  readonly after?: number;
  /** Read events with an ordinal up to this (inclusive). */
  readonly upTo?: number;
}

/** Where to read the log. */
export interface ReadAllOptions {
  /** Read publications after this position (exclusive); 0 reads from the start. */
  readonly after?: number;
  /** Stop after about this many events; a publication is never split. */
  readonly limit?: number;
  /** How many publications to fetch per round trip (default 500). */
  readonly pageSize?: number;
}

/** Called after a publication commits. */
export type PublishedListener = (result: PublishResult) => void;

const defaultPageSize = 500;
const lastOrdinal = Number.MAX_SAFE_INTEGER;

/**
 * The event store: publishes validated events atomically with optimistic
 * concurrency, and reads them back by entity or in global position order.
 *
 * @example
 * ```ts
 * const store = new EventStore({ provider: new SqliteProvider({ database: 'app.db' }), events });
 * await store.migrate();
 * await store.publish({
 *   actor: 'user:42',
 *   entities: [{ id: 'product-1', type: 'Product', expectedVersion: 'new',
 *     events: [{ name: 'ProductCreated', details: { sku: 'A1', name: 'Anvil' } }] }],
 * });
 * ```
 */
export class EventStore<TRegistry extends EventRegistry, TTransaction = unknown> {
  /** The events this store writes and reads. */
  readonly events: TRegistry;
  readonly #provider: Provider<TTransaction>;
  // Typed for any transaction (`never` takes every handler), so that a store
  // of one provider is still an `EventStore<TRegistry>` where that is asked for.
  readonly #inline: readonly InlineProjection<TRegistry, never>[];
  readonly #clock: () => Date;
  readonly #listeners = new Set<PublishedListener>();

  /**
   * @param config The provider, the event registry and, optionally, a clock.
   */
  constructor(config: EventStoreConfig<TRegistry, TTransaction>) {
    this.#provider = config.provider;
    this.events = config.events;
    this.#clock = config.clock ?? (() => new Date());
    this.#inline = config.inline ?? [];
  }

  /** The provider this store writes to. */
  get provider(): Provider<TTransaction> {
    return this.#provider;
  }

  /**
   * Creates the tables, or upgrades them; safe to call on every start.
   */
  async migrate(): Promise<void> {
    await this.#call('migrate', () => this.#provider.migrate());
  }

  /**
   * Writes events for one or more entities as one publication: all of them at
   * one new position, or — on any error — nothing.
   *
   * @param publication The actor, the entities with their expected versions
   *   and events, and optional metadata.
   * @returns The position and each entity's new version.
   * @throws {ConcurrencyError} An entity was not at its expected version.
   * @throws {EntityTypeMismatchError} An entity exists with another type.
   * @throws {ValidationError | UnknownEventError | SerializationError | InvalidArgumentError}
   *   The publication is malformed; checked before anything reaches the database.
   */
  async publish(publication: Publication<TRegistry>): Promise<PublishResult> {
    const record = preparePublication(this.events, publication, this.#clock());
    const work = this.#inline.length === 0 ? undefined : inlineWork(this.#inline, record);
    const outcome = await this.#call('publish', () =>
      work === undefined
        ? this.#provider.publish(record)
        : this.#provider.publish(record, work as PublicationWork<TTransaction>),
    );
    switch (outcome.kind) {
      case 'published': {
        const result: PublishResult = {
          position: Number(outcome.position),
          versions: outcome.versions,
          duplicate: false,
        };
        this.#notify(result);
        return result;
      }
      case 'duplicate':
        return { position: Number(outcome.position), versions: outcome.versions, duplicate: true };
      case 'conflict':
        throw new ConcurrencyError(
          outcome.entityId,
          outcome.expectedVersion,
          outcome.actualVersion,
        );
      case 'type-mismatch':
        throw new EntityTypeMismatchError(
          outcome.entityId,
          outcome.expectedType,
          outcome.actualType,
        );
    }
  }

  /**
   * Reads an entity's events in ordinal order.
   *
   * @param entityId The entity.
   * @param options A range of ordinals: `after` (exclusive), `upTo` (inclusive).
   * @returns The events; empty when the entity does not exist.
   */
  async readEntity(
    entityId: string,
    options: ReadEntityOptions = {},
  ): Promise<StoredEvent<TRegistry>[]> {
    const after = options.after ?? -1;
    const upTo = options.upTo ?? lastOrdinal;
    assertInteger('after', after, -1);
    assertInteger('upTo', upTo, -1);
    const rows = await this.#call('readEntity', () =>
      this.#provider.readEntity(entityId, after, upTo),
    );
    return rows.map((row) => eventFromRow(this.events, row));
  }

  /**
   * Reads an entity's events as folding it needs them — name, details and
   * ordinal, in ordinal order — without the rest of each row (id, actor,
   * time, position, metadata). `Repository` loads aggregates this way; it is
   * faster than {@link EventStore.readEntity} on a provider that implements
   * the optional `readFoldRows`, and the same events on one that does not.
   *
   * @example
   * ```ts
   * const product = foldAggregate(Product, 'product-1', await store.readFoldEvents('product-1'));
   * ```
   *
   * @param entityId The entity.
   * @param options A range of ordinals: `after` (exclusive), `upTo` (inclusive).
   * @returns The events, details at the latest schema version; empty when
   *   the entity does not exist.
   * @throws {UnknownEventError} An event is not in the registry.
   * @throws {UpcastError} An event's stored version cannot be upcast.
   */
  async readFoldEvents(
    entityId: string,
    options: ReadEntityOptions = {},
  ): Promise<FoldEvent<TRegistry>[]> {
    const after = options.after ?? -1;
    const upTo = options.upTo ?? lastOrdinal;
    assertInteger('after', after, -1);
    assertInteger('upTo', upTo, -1);
    const provider = this.#provider;
    if (typeof provider.readFoldRows !== 'function') {
      const events = await this.readEntity(entityId, { after, upTo });
      // Only these three fields, as from a provider that reads fold rows.
      return events.map(
        ({ name, details, ordinal }) => ({ name, details, ordinal }) as FoldEvent<TRegistry>,
      );
    }
    const rows = await this.#call('readFoldRows', async () =>
      provider.readFoldRows?.(entityId, after, upTo),
    );
    try {
      return foldEventsFromRows(this.events, rows ?? [], after);
    } catch (error) {
      // Throw what reading the whole rows throws — an UpcastError then names the
      // event's id, which a fold row does not hold; if they read fine, the fold rows were wrong.
      await this.readEntity(entityId, { after, upTo });
      throw error;
    }
  }

  /**
   * Reads the next publications after a position: at most `maxPublications`,
   * stopping at a position that is not visible yet, so a reader that saves
   * `lastPosition` as its checkpoint never skips a publication.
   *
   * @param after The position to read after (0 for the start).
   * @param maxPublications How many publications at most.
   * @returns The events, and the position to read after next time.
   */
  async readPage(
    after: number,
    maxPublications: number = defaultPageSize,
  ): Promise<EventPage<StoredEvent<TRegistry>>> {
    assertInteger('after', after, 0);
    assertInteger('maxPublications', maxPublications, 1);
    const provider = this.#provider;
    if (typeof provider.readPackedPositions === 'function') {
      const packed = await this.#call('readAll', async () =>
        provider.readPackedPositions?.(after, maxPublications),
      );
      return this.#pageFromPacked(packed ?? [], after);
    }
    const rows = await this.#call('readAll', () => provider.readPositions(after, maxPublications));
    const { count, lastPosition } = contiguousPrefix(rows, after);
    const events: StoredEvent<TRegistry>[] = new Array(count);
    for (let index = 0; index < count; index++) {
      events[index] = eventFromRow(this.events, rows[index] as (typeof rows)[number]);
    }
    return { events, lastPosition };
  }

  /** `readPage` from packed rows: their contiguous prefix, as from `readPositions`. */
  #pageFromPacked(
    packed: readonly PackedEventRow[],
    after: number,
  ): EventPage<StoredEvent<TRegistry>> {
    const rows = packed.map(parsePackedRow);
    const { count, lastPosition } = contiguousPrefix(rows, after, (row) => row[0]);
    const events: StoredEvent<TRegistry>[] = new Array(count);
    for (let index = 0; index < count; index++) {
      events[index] = eventFromPackedColumns(this.events, rows[index] as PackedEventColumns);
    }
    return { events, lastPosition };
  }

  /**
   * Reads the log in position order, page by page, up to what is visible now.
   *
   * @param options `after` a position, a `limit` of events, a `pageSize`.
   * @returns The events, lazily.
   */
  async *readAll(options: ReadAllOptions = {}): AsyncGenerator<StoredEvent<TRegistry>> {
    let after = options.after ?? 0;
    const limit = options.limit ?? Number.POSITIVE_INFINITY;
    const pageSize = options.pageSize ?? defaultPageSize;
    assertInteger('after', after, 0);
    assertInteger('pageSize', pageSize, 1);
    if (limit !== Number.POSITIVE_INFINITY) assertInteger('limit', limit, 1);
    let yielded = 0;
    while (true) {
      const page = await this.readPage(after, pageSize);
      let index = 0;
      const { events } = page;
      while (index < events.length) {
        // Take one whole publication at a time, so that `limit` never splits one.
        const position = (events[index] as StoredEvent<TRegistry>).position;
        let end = index + 1;
        while (
          end < events.length &&
          (events[end] as StoredEvent<TRegistry>).position === position
        ) {
          end++;
        }
        const size = end - index;
        if (yielded > 0 && yielded + size > limit) return;
        for (; index < end; index++) yield events[index] as StoredEvent<TRegistry>;
        yielded += size;
        if (yielded >= limit) return;
      }
      if (page.lastPosition - after < pageSize) return;
      after = page.lastPosition;
    }
  }

  /**
   * The highest position written so far.
   *
   * @returns The position, 0 for an empty store.
   */
  async head(): Promise<number> {
    return Number(await this.#call('head', () => this.#provider.headPosition()));
  }

  /**
   * Reads an entity's row: its type and version.
   *
   * @param entityId The entity.
   * @returns The row, or `undefined` when the entity does not exist.
   */
  async getEntity(entityId: string): Promise<EntityRow | undefined> {
    const row = await this.#call('getEntity', () => this.#provider.getEntity(entityId));
    return row === undefined ? undefined : { ...row, version: Number(row.version) };
  }

  /** Whether the provider stores snapshots (implements `readSnapshot` and `writeSnapshot`). */
  get supportsSnapshots(): boolean {
    return (
      typeof this.#provider.readSnapshot === 'function' &&
      typeof this.#provider.writeSnapshot === 'function'
    );
  }

  /**
   * Reads an entity's snapshot.
   *
   * @param entityId The entity.
   * @returns The snapshot, or `undefined` when there is none or the provider
   *   does not store snapshots.
   */
  async readSnapshot(entityId: string): Promise<Snapshot | undefined> {
    if (!this.supportsSnapshots) return undefined;
    const row = await this.#call('readSnapshot', async () =>
      this.#provider.readSnapshot?.(entityId),
    );
    return row === undefined ? undefined : snapshotFromRow(row);
  }

  /**
   * Stores a snapshot of an entity, stamped with the store's clock. It
   * replaces the entity's snapshot only when that one is older (a lower
   * version). Snapshots are not events: they may be replaced or deleted.
   *
   * @param snapshot The entity, its type, the version and the state.
   * @returns `false` when the provider does not store snapshots, else `true`.
   * @throws {SerializationError} The state holds a value JSON cannot store exactly.
   * @throws {InvalidArgumentError} The version or schema version is not an integer >= 0 / >= 1.
   */
  async writeSnapshot(snapshot: SnapshotInput): Promise<boolean> {
    if (!this.supportsSnapshots) return false;
    assertInteger('version', snapshot.version, 0);
    assertInteger('schemaVersion', snapshot.schemaVersion, 1);
    const state = toJsonText(snapshot.state, 'state');
    await this.#call('writeSnapshot', async () =>
      this.#provider.writeSnapshot?.({
        entityId: snapshot.entityId,
        type: snapshot.type,
        version: snapshot.version,
        schemaVersion: snapshot.schemaVersion,
        state,
        takenAt: toProtocolTimestamp(this.#clock()),
      }),
    );
    return true;
  }

  /**
   * Calls `listener` after every publication this store commits (not after
   * duplicates). Projectors use it to wake up without waiting for a poll.
   *
   * @param listener Called with the publication's result. An error it throws
   *   cannot undo the commit: it is reported as a process warning.
   * @returns A function that removes the listener.
   */
  onPublished(listener: PublishedListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Closes what the provider opened itself. */
  async close(): Promise<void> {
    await this.#call('close', () => this.#provider.close());
  }

  /** Tells listeners; the publication is committed, so a listener's error must not fail it. */
  #notify(result: PublishResult): void {
    for (const listener of this.#listeners) {
      try {
        listener(result);
      } catch (error) {
        process.emitWarning(
          `An onPublished listener threw after position ${result.position} was committed: ${String(error)}`,
          {
            code: 'FACTLINE_LISTENER_ERROR',
            detail: error instanceof Error ? error.stack : undefined,
          },
        );
      }
    }
  }

  async #call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      if (isFactlineError(error)) throw error;
      throw new ProviderError(this.#provider.name, operation, error);
    }
  }
}

function assertInteger(name: string, value: number, minimum: number): void {
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new InvalidArgumentError(
      `${name} must be an integer >= ${minimum}; got ${String(value)}.`,
    );
  }
}
