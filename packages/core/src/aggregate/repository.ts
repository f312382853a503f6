import { EntityTypeMismatchError } from '../errors/entity-type-mismatch-error.js';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import type { EventInput } from '../event/event-registry.js';
import type { FoldRow, Provider, SnapshotAndTailRows } from '../provider/provider.js';
import type { EventStore } from '../store/event-store.js';
import { type FoldEvent, foldEventsFromRows } from '../store/fold-event.js';
import type { Snapshot } from '../store/snapshot.js';
import { snapshotFromRow } from '../store/snapshot-from-row.js';
import type { StoredEvent, StoredEventBase } from '../store/stored-event.js';
import type { AggregateClass, AnyAggregateRoot, RegistryOf } from './aggregate-class.js';
import { AggregateNotFoundError } from './aggregate-not-found-error.js';
import { aggregateInternals } from './aggregate-root.js';
import type { AsOf } from './as-of.js';
import type { CommandResult } from './command-result.js';
import { foldEventsInto, foldInto } from './fold-aggregate.js';
import type { LoadOptions } from './load-options.js';
import { ReadOnlyAggregateError } from './read-only-aggregate-error.js';
import type { RepositoryConfig } from './repository-config.js';
import { retryOnConflict } from './retry-on-conflict.js';
import { type RetryPolicy, resolveRetryPolicy } from './retry-policy.js';
import type { SaveOptions } from './save-options.js';
import type { SaveAllResult, SaveResult } from './save-result.js';
import {
  asSnapshottable,
  crossedInterval,
  type SnapshotFailure,
  type SnapshotPolicy,
  snapshotPolicyOf,
} from './snapshot-policy.js';

/** An aggregate of any class whose events come from one registry. */
export type AggregateOf<TRegistry> = AnyAggregateRoot & { readonly events: TRegistry };

/** How `update` runs: who saves, why, and how it retries. */
export interface UpdateOptions extends SaveOptions {
  /** Overrides the repository's retry policy for this call. */
  readonly retry?: RetryPolicy;
}

/** An aggregate as read, with the events it was folded from when they were asked for. */
interface Loaded<TAggregate, TRegistry> {
  readonly aggregate: TAggregate;
  /** The stored events folded (after the snapshot), when read whole; else `undefined`. */
  readonly history: readonly StoredEvent<TRegistry>[] | undefined;
}

/**
 * Loads aggregates of one class from an event store by folding their events,
 * and saves what they raised with optimistic concurrency: a save expects the
 * version the aggregate was loaded at, so a save that lost a race fails with
 * a `ConcurrencyError` instead of overwriting. `update` retries for you.
 *
 * @example
 * ```ts
 * const products = new Repository(store, Product);
 * await products.create('product-anvil', (product) => product.add('Anvil'), { actor: 'staff:dana' });
 * await products.update('product-anvil', (product) => product.receive(5), {
 *   actor: 'system:warehouse',
 *   commandId: 'delivery-100',
 * });
 * const anvil = await products.get('product-anvil');
 * ```
 */
export class Repository<TAggregate extends AnyAggregateRoot> {
  /** The store aggregates are read from and saved to. */
  readonly store: EventStore<RegistryOf<TAggregate>>;
  /** The class this repository builds. */
  readonly aggregateClass: AggregateClass<TAggregate>;
  readonly #retry: RetryPolicy | undefined;
  readonly #policy: SnapshotPolicy | undefined;
  readonly #onSnapshotError: ((error: unknown, failure: SnapshotFailure) => void) | undefined;

  /**
   * @param store The event store; its events must be the aggregate's.
   * @param aggregateClass The aggregate's class, built as `new aggregateClass(id)`.
   * @param config `retry`: how `update` retries on conflicts;
   *   `onSnapshotError`: told when a snapshot cannot be read or written.
   * @throws {InvalidArgumentError} The retry policy or the class's snapshot policy is invalid.
   */
  constructor(
    store: EventStore<RegistryOf<TAggregate>>,
    aggregateClass: AggregateClass<TAggregate>,
    config: RepositoryConfig = {},
  ) {
    resolveRetryPolicy(config.retry);
    this.store = store;
    this.aggregateClass = aggregateClass;
    this.#retry = config.retry;
    this.#policy = snapshotPolicyOf(aggregateClass);
    this.#onSnapshotError = config.onSnapshotError;
  }

  /**
   * Loads an aggregate: its events, folded through its handlers. When its
   * class declares a snapshot policy and the store keeps snapshots, the
   * latest snapshot of the policy's version is restored and only the events
   * after it are folded. Loads `asOf` a point in the past ignore snapshots.
   *
   * @param id The aggregate's id.
   * @param options `asOf`: load it as it was at a version, a position or a
   *   time. Such an aggregate is read-only.
   * @returns The aggregate, or `undefined` when there is none with this id
   *   (or there was none yet at `asOf`).
   * @throws {EntityTypeMismatchError} The entity is of another type.
   * @throws {UnhandledEventError} It has an event the aggregate has no handler for.
   */
  async load(id: string, options: LoadOptions = {}): Promise<TAggregate | undefined> {
    return (await this.#read(id, options.asOf, false))?.aggregate;
  }

  /**
   * Loads an aggregate that must exist.
   *
   * @param id The aggregate's id.
   * @param options `asOf`: as {@link Repository.load}.
   * @returns The aggregate.
   * @throws {AggregateNotFoundError} There is none with this id (at `asOf`).
   * @throws {EntityTypeMismatchError} The entity is of another type.
   * @throws {UnhandledEventError} It has an event the aggregate has no handler for.
   */
  async get(id: string, options: LoadOptions = {}): Promise<TAggregate> {
    const loaded = await this.#read(id, options.asOf, false);
    if (loaded === undefined) {
      throw new AggregateNotFoundError(new this.aggregateClass(id).type, id, options.asOf);
    }
    return loaded.aggregate;
  }

  /**
   * Writes an aggregate's pending events, expecting the version it was
   * loaded at (`'new'` for a new one), then marks them saved. When the save
   * took a snapshotted aggregate past a multiple of its policy's `every`, a
   * snapshot is written after the commit; if that fails, the save still
   * succeeds and the error goes to `onSnapshotError`.
   *
   * @param aggregate The aggregate.
   * @param options The actor, and the metadata for its events.
   * @returns `saved` with the position and new version; `unchanged` when
   *   nothing was pending; `duplicate` when the command id was saved before.
   * @throws {ConcurrencyError} It changed since it was loaded: load it again.
   * @throws {ReadOnlyAggregateError} It was loaded as of a point in the past.
   */
  async save(aggregate: TAggregate, options: SaveOptions): Promise<SaveResult> {
    const result = await this.saveAll([aggregate], options);
    switch (result.kind) {
      case 'saved':
        return { kind: 'saved', position: result.position, version: aggregate.version };
      case 'unchanged':
        return { kind: 'unchanged', version: aggregate.version };
      case 'duplicate':
        return result;
    }
  }

  /**
   * Writes the pending events of several aggregates — of any classes on this
   * store — as one publication: all at one position, or none of them.
   *
   * @param aggregates The aggregates; those with nothing pending are skipped.
   * @param options The actor, and the metadata for the events.
   * @returns `saved` with the position and the versions; `unchanged`;
   *   `duplicate` when the command id was saved before.
   * @throws {ConcurrencyError} One of them changed since it was loaded: nothing was written.
   * @throws {ReadOnlyAggregateError} One was loaded as of a point in the past.
   */
  async saveAll(
    aggregates: readonly AggregateOf<RegistryOf<TAggregate>>[],
    options: SaveOptions,
  ): Promise<SaveAllResult> {
    const internals = aggregateInternals();
    for (const aggregate of aggregates) {
      const asOf = internals.asOf(aggregate);
      if (asOf !== undefined) throw new ReadOnlyAggregateError(aggregate.type, aggregate.id, asOf);
    }
    const changed = aggregates.filter((aggregate) => internals.unsaved(aggregate).length > 0);
    if (changed.length === 0) return { kind: 'unchanged' };
    const before = changed.map((aggregate) => aggregate.version);
    const { actor, commandId, causationId, correlationId, headers } = options;
    const result = await this.store.publish({
      actor,
      commandId,
      causationId,
      correlationId,
      headers,
      entities: changed.map((aggregate) => ({
        id: aggregate.id,
        type: aggregate.type,
        expectedVersion: aggregate.version === -1 ? 'new' : aggregate.version,
        events: internals.unsaved(aggregate) as readonly EventInput<RegistryOf<TAggregate>>[],
      })),
    });
    if (result.duplicate) {
      return { kind: 'duplicate', position: result.position, versions: result.versions };
    }
    changed.forEach((aggregate, index) => {
      internals.markSaved(aggregate, (result.versions[index] as { version: number }).version);
    });
    await this.#takeSnapshots(changed, before);
    return { kind: 'saved', position: result.position, versions: result.versions };
  }

  /**
   * Runs a command on an existing aggregate: loads it, calls `command`, and
   * saves what it raised. When another writer changed the aggregate in
   * between, it loads it again and runs the command again, up to
   * `retry.retries` times with a jittered, growing wait.
   *
   * With a `commandId` a command runs once: when the aggregate's history
   * already holds the command's events, or the store has seen the id, it is
   * not run again and nothing is written.
   *
   * @param id The aggregate's id.
   * @param command Checks the invariants and raises events; may be async.
   *   It may run more than once, so it must do nothing but decide.
   * @param options The actor, the metadata, and a retry policy.
   * @returns `saved`, `unchanged` (nothing raised) or `duplicate`.
   * @throws {AggregateNotFoundError} There is no aggregate with this id.
   * @throws {ConcurrencyError} It still conflicted after the last retry.
   */
  async update(
    id: string,
    command: (aggregate: TAggregate) => void | Promise<void>,
    options: UpdateOptions,
  ): Promise<CommandResult<TAggregate>> {
    return retryOnConflict(
      async (attempt) => {
        // A command id is looked for in the events' metadata: only then read them whole.
        const loaded = await this.#read(id, undefined, options.commandId !== undefined);
        if (loaded === undefined) {
          throw new AggregateNotFoundError(new this.aggregateClass(id).type, id);
        }
        const previous = findCommand(loaded.history ?? [], options.commandId);
        if (previous !== undefined) {
          return { kind: 'duplicate', position: previous.position, attempts: attempt };
        }
        return this.#run(loaded.aggregate, command, options, attempt);
      },
      { ...this.#retry, ...options.retry },
    );
  }

  /**
   * Runs a command on a new aggregate and saves what it raised, expecting
   * the aggregate not to exist yet.
   *
   * @param id The new aggregate's id.
   * @param command Raises its first events; may be async.
   * @param options The actor and the metadata.
   * @returns `saved`, `unchanged` (nothing raised: it still does not exist)
   *   or `duplicate` (the command id was saved before).
   * @throws {ConcurrencyError} An aggregate with this id exists already.
   */
  async create(
    id: string,
    command: (aggregate: TAggregate) => void | Promise<void>,
    options: SaveOptions,
  ): Promise<CommandResult<TAggregate>> {
    return this.#run(new this.aggregateClass(id), command, options, 1);
  }

  async #run(
    aggregate: TAggregate,
    command: (aggregate: TAggregate) => void | Promise<void>,
    options: SaveOptions,
    attempts: number,
  ): Promise<CommandResult<TAggregate>> {
    await command(aggregate);
    const events = aggregate.pendingEvents;
    const result = await this.save(aggregate, options);
    switch (result.kind) {
      case 'saved':
        return {
          kind: 'saved',
          aggregate,
          position: result.position,
          version: result.version,
          events,
          attempts,
        };
      case 'unchanged':
        return { kind: 'unchanged', aggregate, attempts };
      case 'duplicate':
        return { kind: 'duplicate', position: result.position, attempts };
    }
  }

  /**
   * Reads and folds an aggregate; `undefined` when it does not exist (at
   * `asOf`). Only the fields a fold needs are read, unless `whole` asks for
   * the stored events or the point in the past is a position or a time.
   * `snapshots: false` folds from the first event whatever the policy.
   */
  async #read(
    id: string,
    asOf: AsOf | undefined,
    whole: boolean,
    snapshots = true,
  ): Promise<Loaded<TAggregate, RegistryOf<TAggregate>> | undefined> {
    // Time travel folds from the start: a snapshot may be past the point.
    const fromSnapshot =
      snapshots && asOf === undefined && this.#policy !== undefined && this.store.supportsSnapshots;
    if (fromSnapshot && !whole && typeof this.store.provider.readSnapshotAndTail === 'function') {
      return this.#readFromSnapshot(id);
    }
    let aggregate = new this.aggregateClass(id);
    const upTo = asOf === undefined ? undefined : upToOf(asOf);
    const lean = !whole && (asOf === undefined || asOf.version !== undefined);
    // The reads that do not depend on the entity row start beside it: one round trip less on a server.
    // A failure of the snapshot's read waits, unreported, for `#restore`.
    const snapshotRead = fromSnapshot ? inBackground(this.store.readSnapshot(id)) : undefined;
    // With no snapshot to start from, the events start at the first.
    const eventsRead =
      lean && snapshotRead === undefined
        ? inBackground(this.store.readFoldEvents(id, { upTo }))
        : undefined;
    const entity = await this.store.getEntity(id);
    if (entity === undefined) return undefined;
    if (entity.type !== aggregate.type) {
      throw new EntityTypeMismatchError(id, aggregate.type, entity.type);
    }
    const restored =
      snapshotRead === undefined
        ? undefined
        : this.#restore(id, entity.version, await settled(snapshotRead));
    if (restored !== undefined) aggregate = restored;
    let history: StoredEvent<RegistryOf<TAggregate>>[] | undefined;
    if (lean) {
      const events = await (eventsRead ??
        this.store.readFoldEvents(id, { after: aggregate.version, upTo }));
      if (events.length === 0 && restored === undefined) return undefined;
      foldEventsInto(aggregate, events);
    } else {
      const events = await this.store.readEntity(id, { after: aggregate.version, upTo });
      history = asOf === undefined ? events : events.filter(isAtOrBefore(asOf));
      if (history.length === 0 && restored === undefined) return undefined;
      foldInto(aggregate, history);
    }
    if (asOf !== undefined) aggregateInternals().freeze(aggregate, asOf);
    return { aggregate, history };
  }

  /**
   * Loads from the latest snapshot in one call to the provider
   * (`readSnapshotAndTail`: one round trip to a server), with the same
   * outcomes as the separate reads: a snapshot that is unusable, or cannot
   * be read or restored, means folding from the first event.
   */
  async #readFromSnapshot(
    id: string,
  ): Promise<Loaded<TAggregate, RegistryOf<TAggregate>> | undefined> {
    const policy = this.#policy as SnapshotPolicy;
    let aggregate = new this.aggregateClass(id);
    const { type } = aggregate;
    // `#read` calls this only when the provider has the method.
    const provider = this.store.provider as Required<Pick<Provider, 'readSnapshotAndTail'>>;
    let read: SnapshotAndTailRows;
    try {
      read = await provider.readSnapshotAndTail(id, type, policy.version);
    } catch (error) {
      // Perhaps only the snapshot is out of reach (a missing grant): fold from the first
      // event, and when that read fails too, its error is the load's.
      const loaded = await this.#read(id, undefined, false, false);
      this.#reportSnapshotError(error, { operation: 'read', type, id, version: undefined });
      return loaded;
    }
    const { entity, snapshot, tail } = read;
    if (entity === undefined) return undefined;
    if (entity.type !== type) throw new EntityTypeMismatchError(id, type, entity.type);
    const restored = this.#restore(id, Number(entity.version), () =>
      snapshot === undefined ? undefined : snapshotFromRow(snapshot),
    );
    let events: FoldEvent<RegistryOf<TAggregate>>[];
    if (restored !== undefined) {
      aggregate = restored;
      events = await this.#foldEventsOf(id, tail, restored.version);
    } else if (snapshot === undefined) {
      events = await this.#foldEventsOf(id, tail, -1);
    } else {
      // The tail follows a snapshot that could not be used: read the history from its start.
      events = await this.store.readFoldEvents(id);
    }
    if (events.length === 0 && restored === undefined) return undefined;
    foldEventsInto(aggregate, events);
    return { aggregate, history: undefined };
  }

  /** Fold rows as events, with the error `EventStore.readFoldEvents` would throw for them. */
  async #foldEventsOf(
    id: string,
    rows: readonly FoldRow[],
    after: number,
  ): Promise<FoldEvent<RegistryOf<TAggregate>>[]> {
    try {
      return foldEventsFromRows(this.store.events, rows, after);
    } catch (error) {
      // Reading the whole rows throws an UpcastError that names the event's id.
      await this.store.readEntity(id, { after });
      throw error;
    }
  }

  /**
   * A new aggregate with the state of its latest usable snapshot: of its
   * type, of the policy's version, at most at the entity's version.
   * `undefined` when there is none, or it cannot be read or restored.
   *
   * @param snapshot Gives the snapshot, or throws why it could not be read.
   */
  #restore(
    id: string,
    entityVersion: number,
    snapshot: () => Snapshot | undefined,
  ): TAggregate | undefined {
    const policy = this.#policy as SnapshotPolicy;
    const aggregate = new this.aggregateClass(id);
    const snapshottable = asSnapshottable(aggregate);
    let version: number | undefined;
    try {
      const read = snapshot();
      if (
        read === undefined ||
        read.type !== aggregate.type ||
        read.schemaVersion !== policy.version ||
        read.version > entityVersion
      ) {
        return undefined;
      }
      version = read.version;
      snapshottable.fromSnapshot(read.state);
      aggregateInternals().startAt(aggregate, read.version);
      return aggregate;
    } catch (error) {
      this.#reportSnapshotError(error, { operation: 'read', type: aggregate.type, id, version });
      return undefined;
    }
  }

  /** Writes a snapshot of each aggregate whose save crossed its policy's interval. */
  async #takeSnapshots(
    aggregates: readonly AnyAggregateRoot[],
    before: readonly number[],
  ): Promise<void> {
    if (!this.store.supportsSnapshots) return;
    for (const [index, aggregate] of aggregates.entries()) {
      const { id, type, version } = aggregate;
      try {
        const policy =
          aggregate.constructor === this.aggregateClass
            ? this.#policy
            : snapshotPolicyOf(aggregate.constructor);
        if (policy === undefined) continue;
        if (!crossedInterval(before[index] as number, version, policy.every)) continue;
        const state = asSnapshottable(aggregate).toSnapshot();
        await this.store.writeSnapshot({
          entityId: id,
          type,
          version,
          schemaVersion: policy.version,
          state,
        });
      } catch (error) {
        this.#reportSnapshotError(error, { operation: 'write', type, id, version });
      }
    }
  }

  /** A snapshot only saves time: its failure is told, never thrown. */
  #reportSnapshotError(error: unknown, failure: SnapshotFailure): void {
    try {
      if (this.#onSnapshotError !== undefined) {
        this.#onSnapshotError(error, failure);
        return;
      }
    } catch (hookError) {
      error = hookError;
    }
    process.emitWarning(
      `Could not ${failure.operation} a snapshot of ${failure.type} "${failure.id}"${failure.version === undefined ? '' : ` at version ${failure.version}`}: ${String(error)}`,
      { code: 'FACTLINE_SNAPSHOT_ERROR', detail: error instanceof Error ? error.stack : undefined },
    );
  }
}

/** The ordinal to read up to for a point in the past; checks the point. */
function upToOf(asOf: AsOf): number | undefined {
  if (asOf.version !== undefined) {
    if (!Number.isSafeInteger(asOf.version) || asOf.version < 0) {
      throw new InvalidArgumentError(
        `asOf.version must be an integer >= 0; got ${String(asOf.version)}.`,
      );
    }
    return asOf.version;
  }
  if (asOf.position !== undefined) {
    if (!Number.isSafeInteger(asOf.position) || asOf.position < 0) {
      throw new InvalidArgumentError(
        `asOf.position must be an integer >= 0; got ${String(asOf.position)}.`,
      );
    }
    return undefined;
  }
  if (!(asOf.time instanceof Date) || Number.isNaN(asOf.time.getTime())) {
    throw new InvalidArgumentError('asOf.time must be a valid Date.');
  }
  return undefined;
}

/**
 * Keeps the prefix of a history up to a position or a time. A fold needs a
 * prefix: the first event past the point ends it, even if a later one (an
 * `'any'` write stamped earlier) would be before it.
 */
function isAtOrBefore(asOf: AsOf): (event: StoredEventBase) => boolean {
  let open = true;
  return (event) => {
    if (asOf.position !== undefined) open &&= event.position <= asOf.position;
    else if (asOf.time !== undefined) open &&= event.timestamp.getTime() <= asOf.time.getTime();
    return open;
  };
}

/** Waits for a read; gives a function that returns its value, or throws its error. */
async function settled<T>(read: Promise<T>): Promise<() => T> {
  try {
    const value = await read;
    return () => value;
  } catch (error) {
    return () => {
      throw error;
    };
  }
}

/** A read whose result may go unused: its failure is thrown only where it is awaited. */
function inBackground<T>(read: Promise<T>): Promise<T> {
  read.catch(() => undefined);
  return read;
}

/** The last event of a history that a command id wrote. */
function findCommand<TEvent extends { readonly metadata: { readonly commandId?: string } }>(
  history: readonly TEvent[],
  commandId: string | undefined,
): TEvent | undefined {
  if (commandId === undefined) return undefined;
  return history.findLast((event) => event.metadata.commandId === commandId);
}
