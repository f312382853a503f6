import type {
  AnyAggregateRoot,
  FactlineErrorCode,
  FactlineErrorsByCode,
  HandledEventName,
  PendingEvent,
  RegistryOf,
} from '@factline/core';
import { expect } from 'vitest';

/** An error class to expect: `OutOfStockError`, `ConcurrencyError`. */
export type ErrorClass<TError extends Error = Error> = abstract new (...args: never[]) => TError;

/** The events a command is expected to raise, details as the store will keep them. */
export type ExpectedEvents<TAggregate> = readonly PendingEvent<
  RegistryOf<TAggregate>,
  HandledEventName<TAggregate>
>[];

/**
 * What a command on an aggregate is expected to do. Each check runs the
 * scenario afresh and fails the test with a readable diff.
 */
export interface AggregateExpectation<TAggregate> {
  /**
   * Expects the command to raise exactly these events, in this order.
   *
   * @param events The events, details as the store will keep them.
   * @returns The aggregate after the command, to check its state further.
   */
  then(events: ExpectedEvents<TAggregate>): TAggregate;
  /**
   * Expects the command to raise no event — and not to throw.
   *
   * @returns The aggregate, unchanged.
   */
  thenNothing(): TAggregate;
  /**
   * Expects the command to throw: an error of a class, or with a `code`.
   *
   * @param expected The error class, or the error's `code`; anything when left out.
   * @returns The error, to check its fields.
   */
  thenThrows<TError extends Error>(expected: ErrorClass<TError>): TError;
  thenThrows<TCode extends FactlineErrorCode>(code: TCode): FactlineErrorsByCode[TCode];
  thenThrows(code?: string): Error;
}

/** {@link AggregateExpectation} for a command that returns a promise: every check is awaited. */
export interface AsyncAggregateExpectation<TAggregate> {
  /** As {@link AggregateExpectation.then}. */
  then(events: ExpectedEvents<TAggregate>): Promise<TAggregate>;
  /** As {@link AggregateExpectation.thenNothing}. */
  thenNothing(): Promise<TAggregate>;
  /** As {@link AggregateExpectation.thenThrows}. */
  thenThrows<TError extends Error>(expected: ErrorClass<TError>): Promise<TError>;
  thenThrows<TCode extends FactlineErrorCode>(code: TCode): Promise<FactlineErrorsByCode[TCode]>;
  thenThrows(code?: string): Promise<Error>;
}

/** What running a command did: its aggregate, and the error it threw, if any. */
export type Outcome<TAggregate> =
  | { readonly threw: false; readonly aggregate: TAggregate }
  | { readonly threw: true; readonly aggregate: TAggregate; readonly error: unknown };

/** The name of an aggregate in messages: `Product "product-anvil"`. */
function nameOf(aggregate: AnyAggregateRoot): string {
  return `${aggregate.type} "${aggregate.id}"`;
}

/**
 * Checks that a command raised exactly the expected events.
 *
 * @param outcome What the command did.
 * @param expected The events it should have raised.
 * @returns The aggregate.
 */
export function expectEvents<TAggregate extends AnyAggregateRoot>(
  outcome: Outcome<TAggregate>,
  expected: ExpectedEvents<TAggregate>,
): TAggregate {
  const { aggregate } = outcome;
  if (outcome.threw) {
    throw new Error(
      `Expected ${nameOf(aggregate)} to raise ${expected.length} event(s), but the command threw: ${String(outcome.error)}`,
      { cause: outcome.error },
    );
  }
  expect(aggregate.pendingEvents, `the events ${nameOf(aggregate)} raised`).toEqual(expected);
  return aggregate;
}

/**
 * Checks that a command threw the expected error.
 *
 * @param outcome What the command did.
 * @param expected The error's class or `code`; any error when left out.
 * @returns The error.
 */
export function expectError<TAggregate extends AnyAggregateRoot>(
  outcome: Outcome<TAggregate>,
  expected: ErrorClass | string | undefined,
): Error {
  const { aggregate } = outcome;
  if (!outcome.threw) {
    expect.unreachable(
      `Expected ${nameOf(aggregate)} to refuse the command, but it raised ${JSON.stringify(aggregate.pendingEvents)}.`,
    );
  }
  const { error } = outcome;
  const message = `the error ${nameOf(aggregate)} threw`;
  if (typeof expected === 'string') {
    expect(
      (error as { code?: unknown } | null)?.code,
      `the code of ${message}: ${String(error)}`,
    ).toBe(expected);
  } else if (expected !== undefined) {
    expect(error, message).toBeInstanceOf(expected);
  }
  if (!(error instanceof Error)) {
    expect.unreachable(`${message} is not an Error: ${String(error)}`);
  }
  return error;
}
