import { given } from '@factline/testing';
import { describe, expect, it } from 'vitest';
import { AlreadyExistsError } from './already-exists-error.js';
import { OutOfStockError } from './out-of-stock-error.js';
import { Product } from './product.js';

const anvil = 'product-anvil';
const created = { name: 'ProductCreated', details: { name: 'Anvil' } } as const;
const withThree = [
  created,
  { name: 'StockReceived', details: { quantity: 3, deliveryId: 'delivery-1' } },
] as const;

describe('Product', () => {
  it('is created once', () => {
    given(Product, anvil)
      .when((product) => product.create('Anvil'))
      .then([created]);
    given(Product, anvil, [created])
      .when((product) => product.create('Anvil'))
      .thenThrows(AlreadyExistsError);
  });

  it('counts deliveries in', () => {
    const product = given(Product, anvil, withThree)
      .when((product) => product.receive(2, 'delivery-2'))
      .then([{ name: 'StockReceived', details: { quantity: 2, deliveryId: 'delivery-2' } }]);
    expect(product.available).toBe(5);
  });

  it('refuses a delivery of no units (the schema)', () => {
    given(Product, anvil, withThree)
      .when((product) => product.receive(0, 'delivery-2'))
      .thenThrows('VALIDATION');
  });

  it('reserves the units it has, every one of them', () => {
    const product = given(Product, anvil, withThree)
      .when((product) => product.reserve('order-1', 3))
      .then([{ name: 'StockReserved', details: { orderId: 'order-1', quantity: 3 } }]);
    expect({ available: product.available, reserved: product.reserved }).toEqual({
      available: 0,
      reserved: 3,
    });
  });

  it('never reserves a unit it does not have', () => {
    const error = given(Product, anvil, withThree)
      .when((product) => product.reserve('order-1', 4))
      .thenThrows(OutOfStockError);
    expect(error).toMatchObject({ productId: anvil, requested: 4, available: 3 });
  });

  it('does not count reserved units as available', () => {
    given(Product, anvil, [
      ...withThree,
      { name: 'StockReserved', details: { orderId: 'order-1', quantity: 2 } },
    ])
      .when((product) => product.reserve('order-2', 2))
      .thenThrows(OutOfStockError);
  });

  it('gets released units back for other orders', () => {
    const product = given(Product, anvil, [
      ...withThree,
      { name: 'StockReserved', details: { orderId: 'order-1', quantity: 3 } },
      { name: 'StockReleased', details: { orderId: 'order-1', quantity: 3 } },
    ])
      .when((product) => product.reserve('order-2', 3))
      .then([{ name: 'StockReserved', details: { orderId: 'order-2', quantity: 3 } }]);
    expect(product.available).toBe(0);
  });

  it('adjusts the stock after a stocktake', () => {
    const product = given(Product, anvil, withThree)
      .when((product) => product.adjust(-1, 'dropped'))
      .then([{ name: 'StockAdjusted', details: { change: -1, reason: 'dropped' } }]);
    expect(product.available).toBe(2);
  });

  it('never writes off reserved units', () => {
    given(Product, anvil, [
      ...withThree,
      { name: 'StockReserved', details: { orderId: 'order-1', quantity: 2 } },
    ])
      .when((product) => product.adjust(-2, 'miscount'))
      .thenThrows(OutOfStockError);
  });

  it('refuses an adjustment that changes nothing (the schema)', () => {
    given(Product, anvil, withThree)
      .when((product) => product.adjust(0, 'nothing'))
      .thenThrows('VALIDATION');
  });

  it('restores from its snapshot to the state its events fold to', () => {
    const product = given(Product, anvil, [
      ...withThree,
      { name: 'StockReserved', details: { orderId: 'order-1', quantity: 2 } },
    ])
      .when(() => undefined)
      .thenNothing();
    const restored = new Product(anvil);
    restored.fromSnapshot(product.toSnapshot());
    expect(restored.toSnapshot()).toEqual({ name: 'Anvil', available: 1, reserved: 2 });
  });
});
