import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { UnknownEventError } from '../errors/unknown-event-error.js';
import { ValidationError } from '../errors/validation-error.js';
import { defineEvents } from './event-registry.js';

const events = defineEvents({
  ProductAdded: v.object({ sku: v.string(), name: v.string() }),
  StockReceived: v.object({ quantity: v.pipe(v.number(), v.integer(), v.minValue(1)) }),
  Tagged: v.object({ tag: v.optional(v.string(), 'none') }),
});

describe('EventRegistry', () => {
  it('lists and knows its names', () => {
    expect(events.names).toEqual(['ProductAdded', 'StockReceived', 'Tagged']);
    expect(events.has('StockReceived')).toBe(true);
    expect(events.has('toString')).toBe(false);
  });

  it('returns the schema output: defaults applied, unknown keys dropped', () => {
    expect(events.validate('Tagged', {}, 'p-1')).toEqual({ tag: 'none' });
    expect(events.validate('ProductAdded', { sku: 'A', name: 'Anvil', extra: 1 }, 'p-1')).toEqual({
      sku: 'A',
      name: 'Anvil',
    });
  });

  it('rejects details that fail the schema with the issues and their paths', () => {
    try {
      events.validate('StockReceived', { quantity: 0 }, 'p-1');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationError);
      const failure = error as ValidationError;
      expect(failure.code).toBe('VALIDATION');
      expect(failure.eventName).toBe('StockReceived');
      expect(failure.entityId).toBe('p-1');
      expect(failure.issues[0]?.path?.[0]?.key).toBe('quantity');
      expect(failure.message).toContain('quantity');
    }
  });

  it('rejects an undeclared name, listing the declared ones', () => {
    expect(() => events.validate('StockRecieved', { quantity: 1 }, 'p-1')).toThrow(
      UnknownEventError,
    );
    expect(() => events.validate('StockRecieved', {}, 'p-1')).toThrow(
      /ProductAdded, StockReceived/,
    );
  });
});
