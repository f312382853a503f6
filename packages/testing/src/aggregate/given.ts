import {
  type AggregateClass,
  type AnyAggregateRoot,
  foldAggregate,
  type HandledEventName,
  type HistoryEvent,
  type RaisedDetails,
  type RegistryOf,
} from '@factline/core';
import {
  type AggregateExpectation,
  type AsyncAggregateExpectation,
  type ErrorClass,
  type ExpectedEvents,
  expectError,
  expectEvents,
  type Outcome,
} from './aggregate-expectation.js';

/** An event of a scenario's history: a name the aggregate handles, and its details. */
export type GivenEvent<TAggregate> = {
  [TName in HandledEventName<TAggregate>]: {
    readonly name: TName;
    readonly details: RaisedDetails<RegistryOf<TAggregate>, TName>;
  };
}[HandledEventName<TAggregate>];

/** An aggregate with a history, waiting for the command under test. */
export interface GivenAggregate<TAggregate> {
  /**
   * The command under test.
   *
   * @param command Calls one of the aggregate's command methods.
   * @returns The checks: `then`, `thenNothing`, `thenThrows` — awaited when
   *   the command returns a promise.
   */
  when(command: (aggregate: TAggregate) => Promise<unknown>): AsyncAggregateExpectation<TAggregate>;
  when(command: (aggregate: TAggregate) => unknown): AggregateExpectation<TAggregate>;
}

/**
 * Tests an aggregate without a database: given the events in its history,
 * when a command runs, then it raises these events — or none, or an error.
 * The history is folded through the aggregate's handlers after validating
 * each event against its schema, exactly as a repository loads it.
 *
 * @example
 * ```ts
 * given(Product, 'product-anvil', [
 *   { name: 'ProductAdded', details: { name: 'Anvil' } },
 *   { name: 'StockReceived', details: { quantity: 1 } },
 * ])
 *   .when((product) => product.reserve('order-1', 2))
 *   .thenThrows(OutOfStockError);
 * ```
 *
 * @param aggregateClass The aggregate's class.
 * @param id The aggregate's id.
 * @param history The events it already has, oldest first; none for a new aggregate.
 * @returns The scenario, waiting for `when`.
 */
export function given<TAggregate extends AnyAggregateRoot>(
  aggregateClass: AggregateClass<TAggregate>,
  id: string,
  history: readonly GivenEvent<TAggregate>[] = [],
): GivenAggregate<TAggregate> {
  const build = (): TAggregate => {
    const { events } = new aggregateClass(id);
    const validated = history.map(({ name, details }) => ({
      name,
      details: events.validate(name, details, id),
    }));
    return foldAggregate(
      aggregateClass,
      id,
      validated as readonly HistoryEvent<RegistryOf<TAggregate>>[],
    );
  };
  return {
    when(command: (aggregate: TAggregate) => unknown) {
      const run = (): Outcome<TAggregate> | Promise<Outcome<TAggregate>> => {
        const aggregate = build();
        let result: unknown;
        try {
          result = command(aggregate);
        } catch (error) {
          return { threw: true, aggregate, error };
        }
        if (!isPromiseLike(result)) return { threw: false, aggregate };
        return Promise.resolve(result).then(
          () => ({ threw: false, aggregate }),
          (error: unknown) => ({ threw: true, aggregate, error }),
        );
      };
      const check = <TResult>(assert: (outcome: Outcome<TAggregate>) => TResult) => {
        const outcome = run();
        return isPromiseLike(outcome) ? outcome.then(assert) : assert(outcome);
      };
      // One object serves both shapes: each check is async exactly when the command was.
      return {
        // biome-ignore lint/suspicious/noThenProperty: given/when/then is the scenario's grammar; being awaited is caught below.
        then: (expected: ExpectedEvents<TAggregate>, reject?: unknown) => {
          // Awaited by mistake (no check called): `await` calls then(resolve, reject).
          if (typeof expected === 'function' && typeof reject === 'function') {
            reject(new Error(notAwaitable));
            return undefined;
          }
          return check((outcome) => expectEvents(outcome, expected));
        },
        thenNothing: () => check((outcome) => expectEvents(outcome, [])),
        thenThrows: (expected?: ErrorClass | string) =>
          check((outcome) => expectError(outcome, expected)),
      } as AggregateExpectation<TAggregate> & AsyncAggregateExpectation<TAggregate>;
    },
  };
}

const notAwaitable =
  'An aggregate expectation was awaited without a check: ' +
  'call .then([...events]), .thenNothing() or .thenThrows(...) on it.';

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
