import { isFactlineError } from '@factline/core';
import { describe, expect, it } from 'vitest';
import { given } from './given.js';
import { OutOfStockError, Product } from './product.fixture.js';

const stocked = [
  { name: 'ProductAdded', details: { name: 'Anvil' } },
  { name: 'StockReceived', details: { quantity: 3 } },
] as const;

/** The error a failing check throws. */
function failureOf(check: () => unknown): Error & { actual?: unknown; expected?: unknown } {
  try {
    check();
  } catch (error) {
    return error as Error;
  }
  throw new Error('The check passed.');
}

describe('given/when/then', () => {
  it('passes when the command raises exactly the expected events', () => {
    const product = given(Product, 'product-anvil', stocked)
      .when((anvil) => anvil.reserve('order-1', 2))
      .then([{ name: 'StockReserved', details: { orderId: 'order-1', quantity: 2 } }]);
    // The aggregate comes back, for checks of its state.
    expect(product.available).toBe(1);
    expect(product.version).toBe(1);
  });

  it('starts from nothing without a history', () => {
    given(Product, 'product-anvil')
      .when((anvil) => anvil.add('Anvil'))
      .then([{ name: 'ProductAdded', details: { name: 'Anvil' } }]);
  });

  it('compares details as the store keeps them: defaults filled in', () => {
    given(Product, 'product-anvil', stocked)
      .when((anvil) => anvil.receive(2))
      .then([{ name: 'StockReceived', details: { quantity: 2, note: '' } }]);
  });

  it('fails with a diff when the events differ', () => {
    const failure = failureOf(() =>
      given(Product, 'product-anvil', stocked)
        .when((anvil) => anvil.reserve('order-1', 2))
        .then([{ name: 'StockReserved', details: { orderId: 'order-1', quantity: 3 } }]),
    );
    expect(failure.message).toContain('the events Product "product-anvil" raised');
    expect(failure.actual).toEqual([
      { name: 'StockReserved', details: { orderId: 'order-1', quantity: 2 } },
    ]);
    expect(failure.expected).toEqual([
      { name: 'StockReserved', details: { orderId: 'order-1', quantity: 3 } },
    ]);
  });

  it('fails when the command throws instead, keeping its error as the cause', () => {
    const failure = failureOf(() =>
      given(Product, 'product-anvil', stocked)
        .when((anvil) => anvil.reserve('order-1', 5))
        .then([{ name: 'StockReserved', details: { orderId: 'order-1', quantity: 5 } }]),
    );
    expect(failure.message).toMatch(/Expected Product "product-anvil" to raise 1 event\(s\)/);
    expect(failure.cause).toBeInstanceOf(OutOfStockError);
  });

  it('checks that nothing happened: the negative test', () => {
    const product = given(Product, 'product-anvil', [
      ...stocked,
      { name: 'StockReserved', details: { orderId: 'order-1', quantity: 2 } },
    ])
      .when((anvil) => anvil.reserve('order-1', 2))
      .thenNothing();
    expect(product.available).toBe(1);

    const failure = failureOf(() =>
      given(Product, 'product-anvil', stocked)
        .when((anvil) => anvil.reserve('order-1', 2))
        .thenNothing(),
    );
    expect(failure.expected).toEqual([]);
  });

  it('checks the error a command throws, by class or by code, and returns it', () => {
    const scenario = given(Product, 'product-anvil', stocked).when((anvil) =>
      anvil.reserve('order-1', 5),
    );
    const error = scenario.thenThrows(OutOfStockError);
    expect([error.requested, error.available]).toEqual([5, 3]);
    expect(scenario.thenThrows('OUT_OF_STOCK')).toBeInstanceOf(OutOfStockError);
    expect(scenario.thenThrows()).toBeInstanceOf(Error);

    expect(failureOf(() => scenario.thenThrows(TypeError)).message).toContain(
      'the error Product "product-anvil" threw',
    );
    expect(failureOf(() => scenario.thenThrows('SOMETHING_ELSE')).message).toContain(
      'the code of the error',
    );
  });

  it('fails thenThrows when the command raises events instead, and lists them', () => {
    const failure = failureOf(() =>
      given(Product, 'product-anvil', stocked)
        .when((anvil) => anvil.reserve('order-1', 1))
        .thenThrows(OutOfStockError),
    );
    expect(failure.message).toContain(
      'Expected Product "product-anvil" to refuse the command, but it raised [{"name":"StockReserved"',
    );
  });

  it('checks factline errors by code: a history that fails its schema', () => {
    const error = given(Product, 'product-anvil')
      .when((anvil) => anvil.receive(0))
      .thenThrows('VALIDATION');
    expect(error.eventName).toBe('StockReceived');
  });

  it('validates the history too, and refuses an event the aggregate does not handle', () => {
    expect(() =>
      given(Product, 'product-anvil', [{ name: 'StockReceived', details: { quantity: -1 } }])
        .when(() => undefined)
        .thenNothing(),
    ).toThrow(/do not match its schema/);
    const unhandled = [{ name: 'OrderPlaced', details: { customerId: 'c' } }] as never[];
    let error: unknown;
    try {
      given(Product, 'product-anvil', unhandled)
        .when(() => undefined)
        .thenNothing();
    } catch (caught) {
      error = caught;
    }
    expect(isFactlineError(error, 'UNHANDLED_EVENT')).toBe(true);
  });

  it('runs each check on a fresh aggregate', () => {
    const scenario = given(Product, 'product-anvil', stocked).when((anvil) =>
      anvil.reserve('order-1', 3),
    );
    scenario.then([{ name: 'StockReserved', details: { orderId: 'order-1', quantity: 3 } }]);
    scenario.then([{ name: 'StockReserved', details: { orderId: 'order-1', quantity: 3 } }]);
  });

  it('awaits async commands', async () => {
    const scenario = given(Product, 'product-anvil', stocked).when((anvil) =>
      anvil.reserveAfterCheck('order-1', 2),
    );
    const product = await scenario.then([
      { name: 'StockReserved', details: { orderId: 'order-1', quantity: 2 } },
    ]);
    expect(product.available).toBe(1);
    await given(Product, 'product-anvil', stocked)
      .when((anvil) => anvil.reserveAfterCheck('order-1', 4))
      .thenThrows(OutOfStockError);
    await expect(scenario.thenNothing()).rejects.toThrow(/the events Product/);
  });

  it('refuses to be awaited without a check, instead of hanging', async () => {
    const scenario = given(Product, 'product-anvil', stocked).when((anvil) =>
      anvil.reserve('order-1', 2),
    );
    await expect(
      (async () => {
        await (scenario as unknown as PromiseLike<unknown>);
      })(),
    ).rejects.toThrow(/awaited without a check/);
  });
});
