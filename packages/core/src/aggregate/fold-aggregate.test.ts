import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { foldAggregate } from './fold-aggregate.js';
import { Product } from './shop.fixture.js';
import { UnhandledEventError } from './unhandled-event-error.js';

describe('foldAggregate', () => {
  it('folds the history through the handlers: the state, and the version of the last event', () => {
    const product = foldAggregate(Product, 'product-anvil', [
      { name: 'ProductAdded', details: { name: 'Anvil' } },
      { name: 'StockReceived', details: { quantity: 5, deliveryId: 'd-1' } },
      { name: 'StockReserved', details: { orderId: 'order-1', quantity: 2 } },
      { name: 'StockReleased', details: { orderId: 'order-1', quantity: 2 } },
      { name: 'StockReserved', details: { orderId: 'order-2', quantity: 4 } },
    ]);
    expect(product.name).toBe('Anvil');
    expect(product.available).toBe(1);
    expect([...product.reservations]).toEqual([['order-2', 4]]);
    expect(product.applied).toEqual([0, 1, 2, 3, 4]);
    expect(product.version).toBe(4);
    expect(product.pendingEvents).toEqual([]);
  });

  it('builds a new aggregate from an empty history', () => {
    const product = foldAggregate(Product, 'product-anvil', []);
    expect(product.version).toBe(-1);
    expect(product.name).toBe('');
  });

  it('gives raised events the ordinals after the history', () => {
    const product = foldAggregate(Product, 'product-anvil', [
      { name: 'ProductAdded', details: { name: 'Anvil' } },
      { name: 'StockReceived', details: { quantity: 5, deliveryId: 'd-1' } },
    ]);
    product.reserve('order-1', 1);
    expect(product.applied).toEqual([0, 1, 2]);
    expect(product.version).toBe(1);
  });

  it('checks ordinals when the history has them: no gap, no repeat', () => {
    const added = { name: 'ProductAdded', details: { name: 'Anvil' } } as const;
    const received = { name: 'StockReceived', details: { quantity: 1, deliveryId: 'd' } } as const;
    expect(() =>
      foldAggregate(Product, 'p', [
        { ...added, ordinal: 0 },
        { ...received, ordinal: 2 },
      ]),
    ).toThrow(InvalidArgumentError);
    expect(() =>
      foldAggregate(Product, 'p', [
        { ...added, ordinal: 0 },
        { ...received, ordinal: 0 },
      ]),
    ).toThrow(/at version 0: its history must go on with ordinal 1, not 0/);
    expect(foldAggregate(Product, 'p', [{ ...added, ordinal: 0 }, received]).version).toBe(1);
  });

  it('fails on an event the aggregate has no handler for, naming it and its ordinal', () => {
    let error: unknown;
    try {
      foldAggregate(Product, 'product-anvil', [
        { name: 'ProductAdded', details: { name: 'Anvil' } },
        { name: 'OrderCancelled', details: { reason: 'mistake' } },
      ]);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UnhandledEventError);
    expect(error).toMatchObject({
      code: 'UNHANDLED_EVENT',
      aggregateType: 'Product',
      aggregateId: 'product-anvil',
      eventName: 'OrderCancelled',
      ordinal: 1,
    });
  });

  it('continues from a restored state and version: the hook snapshots plug into', () => {
    const product = foldAggregate(
      Product,
      'product-anvil',
      [{ name: 'StockReserved', details: { orderId: 'order-1', quantity: 2 }, ordinal: 8 }],
      {
        from: {
          version: 7,
          restore: (restored) => {
            restored.name = 'Anvil';
            restored.available = 10;
          },
        },
      },
    );
    expect(product.name).toBe('Anvil');
    expect(product.available).toBe(8);
    expect(product.version).toBe(8);
    expect(product.applied).toEqual([8]);

    expect(() =>
      foldAggregate(Product, 'p', [], { from: { version: 1.5, restore: () => undefined } }),
    ).toThrow(InvalidArgumentError);
  });
});
