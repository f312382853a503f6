import type { EventDetails, EventName } from '../event/event-registry.js';

/**
 * An event as an aggregate's handler sees it. It is the same whether the
 * event was just raised or read back from the store, so folding the history
 * always rebuilds the state the commands left: put anything a handler needs
 * (a time, a price) in the details.
 */
export interface AggregateEvent<TRegistry, TName extends EventName<TRegistry>> {
  readonly name: TName;
  /** The details as the store keeps them: the schema's output. */
  readonly details: EventDetails<TRegistry, TName>;
  /** The event's place in the aggregate's history, 0 for its first. */
  readonly ordinal: number;
}

/**
 * Applies one event to an aggregate's state. Write it as an arrow function,
 * so that `this` is the aggregate.
 */
export type AggregateHandler<TRegistry, TName extends EventName<TRegistry>> = (
  this: void,
  details: EventDetails<TRegistry, TName>,
  event: AggregateEvent<TRegistry, TName>,
) => void;

/**
 * An aggregate's handlers: exactly one for every event it handles (every
 * event of the registry unless `THandled` narrows them) — a missing one, an
 * extra one or a wrong field in one is a compile error.
 *
 * @example
 * ```ts
 * protected readonly handlers: AggregateHandlers<typeof events, ProductEvent> = {
 *   ProductAdded: ({ name }) => { this.name = name; },
 *   StockReceived: ({ quantity }) => { this.available += quantity; },
 * };
 * ```
 */
export type AggregateHandlers<
  TRegistry,
  THandled extends EventName<TRegistry> = EventName<TRegistry>,
> = {
  readonly [TName in THandled]: AggregateHandler<TRegistry, TName>;
};
