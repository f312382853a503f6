import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { UnknownEventError } from '../errors/unknown-event-error.js';
import { UpcastError } from '../errors/upcast-error.js';
import { ValidationError } from '../errors/validation-error.js';
import { defineEvent } from './define-event.js';
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

const OrderPlacedV1 = v.object({ customer: v.string(), total: v.number() });
const OrderPlacedV2 = v.object({ customerId: v.string(), total: v.number() });
const OrderPlacedV3 = v.object({
  customerId: v.string(),
  total: v.object({ amount: v.number(), currency: v.optional(v.string(), 'EUR') }),
});

const evolved = defineEvents({
  ProductAdded: v.object({ sku: v.string() }),
  OrderPlaced: defineEvent({
    versions: [OrderPlacedV1, OrderPlacedV2, OrderPlacedV3],
    upcasters: {
      1: ({ customer, ...rest }) => ({ ...rest, customerId: customer }),
      2: (v2) => ({ ...v2, total: { amount: v2.total } }),
    },
  }),
  // Only the latest schema is known; version 1 was never stored.
  OrderShipped: defineEvent({
    schema: v.object({ carrier: v.string(), trackingCode: v.string() }),
    version: 3,
    upcasters: {
      2: (v2: { carrier: string; tracking?: string }) => {
        if (v2.carrier === 'explode') throw new Error('boom');
        return { carrier: v2.carrier, trackingCode: v2.tracking };
      },
    },
  }),
});

function upcastError(run: () => unknown): UpcastError {
  try {
    run();
  } catch (error) {
    if (error instanceof UpcastError) return error;
    throw error;
  }
  throw new Error('expected an UpcastError');
}

describe('EventRegistry with versioned events', () => {
  it('writes each event at its latest version', () => {
    expect(evolved.schemaVersion('ProductAdded')).toBe(1);
    expect(evolved.schemaVersion('OrderPlaced')).toBe(3);
    expect(evolved.schemaVersion('OrderShipped')).toBe(3);
    expect({ ...evolved.schemaVersions }).toEqual({
      ProductAdded: 1,
      OrderPlaced: 3,
      OrderShipped: 3,
    });
    expect(evolved.schemaVersions.toString).toBeUndefined();
    expect(() => evolved.schemaVersion('OrderPlacd')).toThrow(UnknownEventError);
    expect(evolved.schema('OrderPlaced')).toBe(OrderPlacedV3);
    expect(evolved.names).toEqual(['ProductAdded', 'OrderPlaced', 'OrderShipped']);
  });

  it('validates new details against the latest schema', () => {
    expect(
      evolved.validate('OrderPlaced', { customerId: 'c-1', total: { amount: 5 } }, 'order-1'),
    ).toEqual({ customerId: 'c-1', total: { amount: 5, currency: 'EUR' } });
    expect(() => evolved.validate('OrderPlaced', { customer: 'c-1', total: 5 }, 'order-1')).toThrow(
      ValidationError,
    );
  });

  it('upcasts through every version, parsing each result with the next schema', () => {
    expect(evolved.upcast('OrderPlaced', 1, { customer: 'c-1', total: 5 })).toEqual({
      customerId: 'c-1',
      total: { amount: 5, currency: 'EUR' },
    });
    expect(
      evolved.upcast('OrderPlaced', 2, { customerId: 'c-2', total: 7, dropped: true }),
    ).toEqual({ customerId: 'c-2', total: { amount: 7, currency: 'EUR' } });
    expect(evolved.upcast('OrderShipped', 2, { carrier: 'DHL', tracking: 'T1' })).toEqual({
      carrier: 'DHL',
      trackingCode: 'T1',
    });
  });

  it('returns details stored at the latest version untouched, without parsing them', () => {
    const details = { customerId: 'c-3', total: { amount: 1 } };
    expect(evolved.upcast('OrderPlaced', 3, details)).toBe(details);
    const plain = { sku: 'A' };
    expect(evolved.upcast('ProductAdded', 1, plain)).toBe(plain);
  });

  it('refuses a stored version the registry does not know', () => {
    const newer = upcastError(() =>
      evolved.upcast('OrderPlaced', 4, {}, { id: 'event-1', entityId: 'order-1' }),
    );
    expect(newer).toMatchObject({
      code: 'UPCAST',
      failure: 'unknown-version',
      eventName: 'OrderPlaced',
      storedVersion: 4,
      latestVersion: 3,
      eventId: 'event-1',
      entityId: 'order-1',
      fromVersion: undefined,
    });
    expect(newer.message).toContain('event event-1 of entity "order-1"');
    expect(newer.message).toContain('knows versions up to 3');
    for (const version of [0, -1, 1.5, Number.NaN]) {
      const error = upcastError(() => evolved.upcast('OrderPlaced', version, {}));
      expect(error.failure).toBe('unknown-version');
      expect(error.message).toContain('which is not a version');
    }
    expect(upcastError(() => evolved.upcast('ProductAdded', 2, {})).failure).toBe(
      'unknown-version',
    );
  });

  it('names the missing upcaster', () => {
    const error = upcastError(() => evolved.upcast('OrderShipped', 1, { carrier: 'DHL' }));
    expect(error).toMatchObject({ failure: 'missing-upcaster', storedVersion: 1, fromVersion: 1 });
    expect(error.message).toContain('Add upcasters[1]');
  });

  it('wraps an upcaster that throws, keeping its error as the cause', () => {
    const error = upcastError(() => evolved.upcast('OrderShipped', 2, { carrier: 'explode' }));
    expect(error).toMatchObject({ failure: 'upcaster-threw', fromVersion: 2 });
    expect((error.cause as Error).message).toBe('boom');
    expect(error.message).toContain('boom');
  });

  it('refuses a result that fails the next schema, with the issues', () => {
    // No tracking: trackingCode comes out undefined, which the latest schema refuses.
    const last = upcastError(() => evolved.upcast('OrderShipped', 2, { carrier: 'DHL' }));
    expect(last).toMatchObject({ failure: 'invalid-result', fromVersion: 2, latestVersion: 3 });
    expect(last.issues[0]?.path?.[0]?.key).toBe('trackingCode');
    expect(last.message).toContain('trackingCode');
    // An intermediate version is checked too: version 1 without a customer.
    const first = upcastError(() => evolved.upcast('OrderPlaced', 1, { total: 5 }));
    expect(first).toMatchObject({ failure: 'invalid-result', fromVersion: 1 });
    expect(first.message).toContain('schema of version 2');
  });
});
