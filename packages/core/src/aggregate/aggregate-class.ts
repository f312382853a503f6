import type { AggregateRoot } from './aggregate-root.js';

/**
 * Any aggregate, whatever its events. (The handlers make `AggregateRoot`
 * invariant in its type parameters, so only `any` stands for all of them.)
 */
// biome-ignore lint/suspicious/noExplicitAny: every instantiation of AggregateRoot, see above.
export type AnyAggregateRoot = AggregateRoot<any, any>;

/**
 * A class of aggregates that a `Repository` can build: `new Product(id)`.
 */
export type AggregateClass<TAggregate extends AnyAggregateRoot> = new (id: string) => TAggregate;

/** The event registry an aggregate was declared with: `RegistryOf<Product>`. */
export type RegistryOf<TAggregate> =
  TAggregate extends AggregateRoot<infer TRegistry, infer _THandled> ? TRegistry : never;

/** The names of the events an aggregate handles: `HandledEventName<Product>`. */
export type HandledEventName<TAggregate> =
  TAggregate extends AggregateRoot<infer _TRegistry, infer THandled> ? THandled : never;
