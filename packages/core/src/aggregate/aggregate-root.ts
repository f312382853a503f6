import type { EventInput, EventName, EventRegistry } from '../event/event-registry.js';
import { toJsonText } from '../event/json-text.js';
import type { AnyAggregateRoot } from './aggregate-class.js';
import type { AggregateHandlers } from './aggregate-handlers.js';
import type { AsOf } from './as-of.js';
import type { PendingEvent } from './pending-event.js';
import { ReadOnlyAggregateError } from './read-only-aggregate-error.js';
import { UnhandledEventError } from './unhandled-event-error.js';

/** The details `raise` takes for one event: its schema's input. */
export type RaisedDetails<TRegistry, TName extends EventName<TRegistry>> = Extract<
  EventInput<TRegistry>,
  { readonly name: TName }
>['details'];

/** A raised event: what to publish (the input) and what was applied (the output). */
interface Unsaved {
  readonly name: string;
  readonly input: unknown;
  readonly details: unknown;
}

/** An event as a handler is given it. */
interface HandledEvent {
  readonly name: string;
  readonly details: unknown;
  readonly ordinal: number;
}

type AnyHandler = (details: unknown, event: HandledEvent) => void;

/**
 * What `Repository` and `foldAggregate` do to an aggregate, which its own
 * users must not: not part of the public API.
 */
export interface AggregateInternals {
  /**
   * Applies an event of the aggregate's history, which must be its next
   * ordinal. The handler is given `event` itself: it must hold only `name`,
   * `details` and `ordinal`.
   */
  applyHistory(aggregate: AnyAggregateRoot, event: HandledEvent): void;
  /** Sets the version of an aggregate whose state was restored (a snapshot). */
  startAt(aggregate: AnyAggregateRoot, version: number): void;
  /** The raised events' names and details as they were raised, to publish. */
  unsaved(aggregate: AnyAggregateRoot): readonly { name: string; details: unknown }[];
  /** Marks the raised events saved: the aggregate is now at `version`. */
  markSaved(aggregate: AnyAggregateRoot, version: number): void;
  /** Makes the aggregate read-only, loaded as of a point in the past. */
  freeze(aggregate: AnyAggregateRoot, asOf: AsOf): void;
  /** The point in the past a read-only aggregate was loaded at. */
  asOf(aggregate: AnyAggregateRoot): AsOf | undefined;
}

let internals: AggregateInternals | undefined;

/**
 * The internals, for `Repository` and `foldAggregate` only.
 *
 * @returns The functions that reach an aggregate's private state.
 */
export function aggregateInternals(): AggregateInternals {
  return internals as AggregateInternals;
}

/**
 * The base of an event-sourced aggregate. Its state changes only through its
 * handlers, one per event it handles: a command method checks the invariants
 * against the state, then `raise`s events, each of which is applied at once
 * and kept as pending until a `Repository` saves it. Loading folds the stored
 * events through the same handlers, so the state is always the left fold of
 * the history.
 *
 * @example
 * ```ts
 * type ProductEvent = 'ProductAdded' | 'StockReceived';
 *
 * class Product extends AggregateRoot<typeof events, ProductEvent> {
 *   readonly type = 'Product';
 *   readonly events = events;
 *   available = 0;
 *
 *   protected readonly handlers: AggregateHandlers<typeof events, ProductEvent> = {
 *     ProductAdded: () => {},
 *     StockReceived: ({ quantity }) => { this.available += quantity; },
 *   };
 *
 *   receive(quantity: number): void {
 *     if (quantity < 1) throw new RangeError('Receive at least one.');
 *     this.raise('StockReceived', { quantity });
 *   }
 * }
 * ```
 *
 * @typeParam TRegistry The application's events: `typeof events`.
 * @typeParam THandled The names of the events this aggregate handles (all by default).
 */
export abstract class AggregateRoot<
  TRegistry extends EventRegistry,
  THandled extends EventName<TRegistry> = EventName<TRegistry>,
> {
  /** The aggregate's type, stored with its entity and checked on every load and save. */
  abstract readonly type: string;
  /** The application's events, from `defineEvents`: the ones the store is given. */
  abstract readonly events: TRegistry;
  /** One handler per handled event; the only place the state changes. */
  protected abstract readonly handlers: AggregateHandlers<TRegistry, THandled>;

  /** The aggregate's id: its entity's id, unique across all types. */
  readonly id: string;
  #version = -1;
  #unsaved: Unsaved[] = [];
  #asOf: AsOf | undefined;

  /**
   * @param id The aggregate's id, e.g. `product-anvil`.
   */
  constructor(id: string) {
    this.id = id;
  }

  /**
   * The ordinal of the latest saved event: -1 for an aggregate with none.
   * Raising does not move it; saving does.
   */
  get version(): number {
    return this.#version;
  }

  /** The events raised since it was loaded or last saved, in order. */
  get pendingEvents(): readonly PendingEvent<TRegistry, THandled>[] {
    return this.#unsaved.map(
      ({ name, details }) => ({ name, details }) as PendingEvent<TRegistry, THandled>,
    );
  }

  /** Whether it was loaded as of a point in the past, and so can neither raise nor be saved. */
  get readOnly(): boolean {
    return this.#asOf !== undefined;
  }

  /**
   * Records that something happened: validates the details against the
   * event's schema, applies the event through its handler, and keeps it
   * pending until the aggregate is saved.
   *
   * @param name An event this aggregate handles.
   * @param details Its details.
   * @throws {ValidationError} The details do not match the event's schema.
   * @throws {SerializationError} The details hold a value JSON cannot store exactly.
   * @throws {ReadOnlyAggregateError} The aggregate was loaded as of a point in the past.
   * @throws {UnhandledEventError} No handler for `name` (only around the types).
   */
  protected raise<TName extends THandled>(
    name: TName,
    details: RaisedDetails<TRegistry, TName>,
  ): void {
    if (this.#asOf !== undefined) {
      throw new ReadOnlyAggregateError(this.type, this.id, this.#asOf);
    }
    const ordinal = this.#version + this.#unsaved.length + 1;
    const handler = this.#handler(name, ordinal);
    const output = this.events.validate(name, details, this.id);
    // Fail here, in the command, rather than at save: the store would refuse it.
    toJsonText(output, 'details');
    handler(output, { name, details: output, ordinal });
    this.#unsaved.push({ name, input: details, details: output });
  }

  #handler(name: string, ordinal: number): AnyHandler {
    const handlers: Readonly<Record<string, unknown>> = this.handlers;
    const handler = Object.hasOwn(handlers, name) ? handlers[name] : undefined;
    if (typeof handler !== 'function') {
      throw new UnhandledEventError(this.type, this.id, name, ordinal);
    }
    return handler as AnyHandler;
  }

  static {
    internals = {
      applyHistory(aggregate, event) {
        const { ordinal } = event;
        if (aggregate.#unsaved.length > 0 || ordinal !== aggregate.#version + 1) {
          throw new RangeError(
            `${aggregate.type} "${aggregate.id}" is at version ${aggregate.#version} with ${aggregate.#unsaved.length} pending events; it cannot take ordinal ${ordinal}.`,
          );
        }
        aggregate.#handler(event.name, ordinal)(event.details, event);
        aggregate.#version = ordinal;
      },
      startAt(aggregate, version) {
        aggregate.#version = version;
      },
      unsaved(aggregate) {
        return aggregate.#unsaved.map(({ name, input }) => ({ name, details: input }));
      },
      markSaved(aggregate, version) {
        aggregate.#version = version;
        aggregate.#unsaved = [];
      },
      freeze(aggregate, asOf) {
        aggregate.#asOf = asOf;
      },
      asOf(aggregate) {
        return aggregate.#asOf;
      },
    };
  }
}
