import type { ValidationError } from '@factline/core';
import { describe, expectTypeOf, it } from 'vitest';
import { given } from './given.js';
import { OutOfStockError, Product } from './product.fixture.js';

describe('given types', () => {
  it('takes a history of the events the aggregate handles, with their details', () => {
    given(Product, 'p', [{ name: 'StockReceived', details: { quantity: 1 } }]);
    // @ts-expect-error: quantity is a number
    given(Product, 'p', [{ name: 'StockReceived', details: { quantity: '1' } }]);
    // @ts-expect-error: Product does not handle OrderPlaced
    given(Product, 'p', [{ name: 'OrderPlaced', details: { customerId: 'c' } }]);
  });

  it('types the command, and the expected events', () => {
    const scenario = given(Product, 'p').when((product) => {
      expectTypeOf(product).toEqualTypeOf<Product>();
      product.receive(1);
    });
    expectTypeOf(
      scenario.then([{ name: 'StockReceived', details: { quantity: 1, note: '' } }]),
    ).toEqualTypeOf<Product>();
    // @ts-expect-error: the expected details are the store's: `note` is filled in
    scenario.then([{ name: 'StockReceived', details: { quantity: 1 } }]);
    // @ts-expect-error: not an event of Product
    scenario.then([{ name: 'OrderPlaced', details: { customerId: 'c' } }]);
    expectTypeOf(scenario.thenNothing()).toEqualTypeOf<Product>();
  });

  it('returns the error, typed by its class or its factline code', () => {
    const scenario = given(Product, 'p').when((product) => product.reserve('o', 1));
    expectTypeOf(scenario.thenThrows(OutOfStockError)).toEqualTypeOf<OutOfStockError>();
    expectTypeOf(scenario.thenThrows('VALIDATION')).toEqualTypeOf<ValidationError>();
    expectTypeOf(scenario.thenThrows('OUT_OF_STOCK')).toEqualTypeOf<Error>();
    expectTypeOf(scenario.thenThrows()).toEqualTypeOf<Error>();
  });

  it('makes every check a promise when the command is async', () => {
    const scenario = given(Product, 'p').when((product) => product.reserveAfterCheck('o', 1));
    expectTypeOf(scenario.then([])).toEqualTypeOf<Promise<Product>>();
    expectTypeOf(scenario.thenNothing()).toEqualTypeOf<Promise<Product>>();
    expectTypeOf(scenario.thenThrows(OutOfStockError)).toEqualTypeOf<Promise<OutOfStockError>>();
  });
});
