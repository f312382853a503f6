import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import type { EventDetails, EventName } from '../event/event-registry.js';
import type { AggregateClass, AnyAggregateRoot, RegistryOf } from './aggregate-class.js';
import { aggregateInternals } from './aggregate-root.js';

/**
 * An event of an aggregate's history: a `StoredEvent` read from the store, or
 * `{ name, details }` given by hand, details as the store keeps them.
 */
export type HistoryEvent<TRegistry> = {
  [TName in EventName<TRegistry>]: {
    readonly name: TName;
    readonly details: EventDetails<TRegistry, TName>;
    /** When given, checked: a history has no gaps. */
    readonly ordinal?: number;
  };
}[EventName<TRegistry>];

/**
 * A state to fold from instead of nothing — a snapshot, say: the history
 * then continues at the ordinal after `version`.
 */
export interface AggregateStart<TAggregate> {
  /** The version the restored state is at. */
  readonly version: number;
  /** Puts the state into a new aggregate. */
  readonly restore: (aggregate: TAggregate) => void;
}

/** How {@link foldAggregate} starts. */
export interface FoldAggregateOptions<TAggregate> {
  /** Start from a restored state instead of a new aggregate. */
  readonly from?: AggregateStart<TAggregate>;
}

/**
 * Builds an aggregate from its history: a new instance, each event applied
 * through its handler in order (the left fold). `Repository` loads this way;
 * call it yourself to rebuild an aggregate from events you already hold.
 *
 * @example
 * ```ts
 * const product = foldAggregate(Product, 'product-anvil', await store.readFoldEvents('product-anvil'));
 * ```
 *
 * @param aggregateClass The aggregate's class.
 * @param id The aggregate's id.
 * @param history Its events in order, from its first (or from `from.version + 1`).
 * @param options `from`: a restored state to continue from.
 * @returns The aggregate, at the version of its last event, with nothing pending.
 * @throws {UnhandledEventError} An event has no handler in the aggregate.
 * @throws {InvalidArgumentError} An event's ordinal is not the next one.
 */
export function foldAggregate<TAggregate extends AnyAggregateRoot>(
  aggregateClass: AggregateClass<TAggregate>,
  id: string,
  history: Iterable<HistoryEvent<RegistryOf<TAggregate>>>,
  options: FoldAggregateOptions<TAggregate> = {},
): TAggregate {
  const aggregate = new aggregateClass(id);
  const { from } = options;
  if (from !== undefined) {
    if (!Number.isSafeInteger(from.version) || from.version < -1) {
      throw new InvalidArgumentError(
        `A restored state's version is an integer >= -1; got ${String(from.version)}.`,
      );
    }
    from.restore(aggregate);
    aggregateInternals().startAt(aggregate, from.version);
  }
  foldInto(aggregate, history);
  return aggregate;
}

/**
 * Applies events to an aggregate, after the events it already has.
 *
 * @param aggregate An aggregate with nothing pending.
 * @param history The events that follow its version, in order.
 */
export function foldInto(
  aggregate: AnyAggregateRoot,
  history: Iterable<{
    readonly name: string;
    readonly details: unknown;
    readonly ordinal?: number;
  }>,
): void {
  const internals = aggregateInternals();
  for (const event of history) {
    const next = aggregate.version + 1;
    if (event.ordinal !== undefined && event.ordinal !== next) {
      throw gapError(aggregate, event.ordinal);
    }
    // A new object: the handler sees only these three fields, whatever the caller's event holds.
    internals.applyHistory(aggregate, { name: event.name, details: event.details, ordinal: next });
  }
}

/**
 * Applies events read with `EventStore.readFoldEvents` to an aggregate:
 * {@link foldInto} without copying each event for its handler, which is
 * given the event itself.
 *
 * @param aggregate An aggregate with nothing pending.
 * @param events The events that follow its version, in order, each with
 *   only `name`, `details` and `ordinal`.
 */
export function foldEventsInto(
  aggregate: AnyAggregateRoot,
  events: readonly { readonly name: string; readonly details: unknown; readonly ordinal: number }[],
): void {
  const internals = aggregateInternals();
  let next = aggregate.version + 1;
  for (let index = 0; index < events.length; index++, next++) {
    const event = events[index] as (typeof events)[number];
    if (event.ordinal !== next) throw gapError(aggregate, event.ordinal);
    internals.applyHistory(aggregate, event);
  }
}

/** A history that does not go on with the aggregate's next ordinal. */
function gapError(aggregate: AnyAggregateRoot, ordinal: number): InvalidArgumentError {
  const next = aggregate.version + 1;
  return new InvalidArgumentError(
    `${aggregate.type} "${aggregate.id}" is at version ${aggregate.version}: its history must go on with ordinal ${next}, not ${ordinal}.`,
  );
}
