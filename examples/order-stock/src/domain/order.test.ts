import { given } from '@factline/testing';
import { describe, expect, it } from 'vitest';
import { AlreadyExistsError } from './already-exists-error.js';
import { Order } from './order.js';

const lines = [
  { productId: 'product-anvil', quantity: 2 },
  { productId: 'product-rope', quantity: 1 },
  { productId: 'product-anvil', quantity: 1 },
];
const placed = {
  name: 'OrderPlaced',
  details: { customerId: 'alice', email: 'alice@example.com', lines },
} as const;

describe('Order', () => {
  it('is placed with its lines', () => {
    const order = given(Order, 'order-1')
      .when((order) => order.place('alice', 'alice@example.com', lines))
      .then([placed]);
    expect(order.status).toBe('placed');
    // One reservation per product, however many lines name it.
    expect([...order.unitsByProduct()]).toEqual([
      ['product-anvil', 3],
      ['product-rope', 1],
    ]);
  });

  it('is placed once', () => {
    given(Order, 'order-1', [placed])
      .when((order) => order.place('alice', 'alice@example.com', lines))
      .thenThrows(AlreadyExistsError);
  });

  it('needs a line and a valid email (the schema)', () => {
    given(Order, 'order-1')
      .when((order) => order.place('alice', 'alice@example.com', []))
      .thenThrows('VALIDATION');
    given(Order, 'order-1')
      .when((order) => order.place('alice', 'not an address', lines))
      .thenThrows('VALIDATION');
  });

  it('is cancelled', () => {
    const order = given(Order, 'order-1', [placed])
      .when((order) => order.cancel('changed my mind'))
      .then([{ name: 'OrderCancelled', details: { reason: 'changed my mind' } }]);
    expect(order.status).toBe('cancelled');
  });

  it('is cancelled once: cancelling again does nothing', () => {
    given(Order, 'order-1', [placed, { name: 'OrderCancelled', details: { reason: 'first' } }])
      .when((order) => order.cancel('second'))
      .thenNothing();
  });
});
