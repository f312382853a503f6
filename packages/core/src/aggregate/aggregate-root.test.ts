import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { isFactlineError } from '../errors/factline-error.js';
import { SerializationError } from '../errors/serialization-error.js';
import { ValidationError } from '../errors/validation-error.js';
import { defineEvents } from '../event/event-registry.js';
import type { AggregateHandlers } from './aggregate-handlers.js';
import { AggregateRoot, aggregateInternals } from './aggregate-root.js';
import { ReadOnlyAggregateError } from './read-only-aggregate-error.js';
import { OutOfStockError, Product } from './shop.fixture.js';
import { UnhandledEventError } from './unhandled-event-error.js';

/** Reaches the protected `raise`, as JavaScript or a cast could. */
const raiseAround = (product: Product, name: string, details: unknown) =>
  (product as unknown as { raise(name: string, details: unknown): void }).raise(name, details);

describe('AggregateRoot', () => {
  it('starts new: version -1, nothing pending', () => {
    const product = new Product('product-anvil');
    expect(product.id).toBe('product-anvil');
    expect(product.type).toBe('Product');
    expect(product.version).toBe(-1);
    expect(product.pendingEvents).toEqual([]);
    expect(product.readOnly).toBe(false);
  });

  it('applies a raised event through its handler at once, and keeps it pending', () => {
    const product = new Product('product-anvil');
    product.add('Anvil');
    product.receive(5, 'delivery-1');
    product.reserve('order-1', 2);

    expect(product.name).toBe('Anvil');
    expect(product.available).toBe(3);
    expect(product.applied).toEqual([0, 1, 2]);
    expect(product.pendingEvents).toEqual([
      { name: 'ProductAdded', details: { name: 'Anvil' } },
      { name: 'StockReceived', details: { quantity: 5, deliveryId: 'delivery-1' } },
      { name: 'StockReserved', details: { orderId: 'order-1', quantity: 2 } },
    ]);
    // Raising does not move the version: only saving does.
    expect(product.version).toBe(-1);
  });

  it('gives handlers and pending events the schema output: defaults filled in', () => {
    const product = new Product('product-anvil');
    product.receive(5);
    expect(product.pendingEvents).toEqual([
      { name: 'StockReceived', details: { quantity: 5, deliveryId: 'unknown' } },
    ]);
  });

  it('raises nothing when an invariant fails', () => {
    const product = new Product('product-anvil');
    product.add('Anvil');
    product.receive(1);
    expect(() => product.reserve('order-1', 2)).toThrow(OutOfStockError);
    expect(product.available).toBe(1);
    expect(product.pendingEvents.map((event) => event.name)).toEqual([
      'ProductAdded',
      'StockReceived',
    ]);
  });

  it('refuses details that fail the schema, before applying them', () => {
    const product = new Product('product-anvil');
    let error: unknown;
    try {
      product.receive(0);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ eventName: 'StockReceived', entityId: 'product-anvil' });
    expect(product.available).toBe(0);
    expect(product.pendingEvents).toEqual([]);
  });

  it('refuses details JSON cannot store, in the command rather than at save', () => {
    const notes = defineEvents({ Noted: v.object({ value: v.unknown() }) });
    class Note extends AggregateRoot<typeof notes> {
      readonly type = 'Note';
      readonly events = notes;
      count = 0;
      protected readonly handlers: AggregateHandlers<typeof notes> = {
        Noted: () => {
          this.count++;
        },
      };
      note(value: unknown): void {
        this.raise('Noted', { value });
      }
    }
    const note = new Note('note-1');
    expect(() => note.note(10n)).toThrow(SerializationError);
    expect(() => note.note([1, undefined])).toThrow(/details\.value\[1\]/);
    expect(note.count).toBe(0);
    expect(note.pendingEvents).toEqual([]);
    note.note({ fine: [1, 'two', null] });
    expect(note.pendingEvents).toEqual([
      { name: 'Noted', details: { value: { fine: [1, 'two', null] } } },
    ]);
  });

  it('refuses an event it has no handler for, naming the aggregate, the id, the event and the ordinal', () => {
    const product = new Product('product-anvil');
    product.add('Anvil');
    let error: unknown;
    try {
      raiseAround(product, 'OrderPlaced', { customerId: 'c', lines: [] });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UnhandledEventError);
    expect(isFactlineError(error, 'UNHANDLED_EVENT')).toBe(true);
    expect(error).toMatchObject({
      aggregateType: 'Product',
      aggregateId: 'product-anvil',
      eventName: 'OrderPlaced',
      ordinal: 1,
    });
    expect((error as Error).message).toMatch(/Product "product-anvil".*"OrderPlaced".*ordinal 1/);
    expect(product.pendingEvents).toHaveLength(1);
  });

  it('does not take an inherited property for a handler', () => {
    const product = new Product('product-anvil');
    expect(() => raiseAround(product, 'toString', {})).toThrow(UnhandledEventError);
  });

  it('is read-only once frozen at a point in the past: it raises nothing', () => {
    const product = new Product('product-anvil');
    aggregateInternals().freeze(product, { version: 3 });
    expect(product.readOnly).toBe(true);
    expect(() => product.add('Anvil')).toThrow(ReadOnlyAggregateError);
    expect(() => product.add('Anvil')).toThrow(/as of version 3 and is read-only/);
    expect(product.pendingEvents).toEqual([]);
  });
});
