import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { isFactlineError } from '../errors/factline-error.js';
import { defineEvent, isVersionedEvent } from './define-event.js';

const V1 = v.object({ customer: v.string() });
const V2 = v.object({ customerId: v.string() });
const V3 = v.object({ customerId: v.string(), channel: v.string() });

function definitionError(define: () => unknown): string {
  try {
    define();
  } catch (error) {
    if (isFactlineError(error, 'INVALID_ARGUMENT')) return error.message;
    throw error;
  }
  throw new Error('expected an InvalidArgumentError');
}

describe('defineEvent', () => {
  it('takes the last of `versions` as the latest, numbered from 1', () => {
    const upcast = ({ customer }: { customer: string }) => ({ customerId: customer });
    const event = defineEvent({ versions: [V1, V2], upcasters: { 1: upcast } });
    expect(isVersionedEvent(event)).toBe(true);
    expect(isVersionedEvent(V2)).toBe(false);
    expect(event.version).toBe(2);
    expect(event.schema).toBe(V2);
    expect(event.schemas).toEqual({ 1: V1, 2: V2 });
    expect(event.upcasters[1]).toBe(upcast);
    expect(Object.isFrozen(event)).toBe(true);
  });

  it('takes a latest schema and its version, knowing no older schema', () => {
    const event = defineEvent({
      schema: V3,
      version: 3,
      upcasters: { 2: (v2: { customerId: string }) => ({ ...v2, channel: 'web' }) },
    });
    expect(event.version).toBe(3);
    expect(event.schemas).toEqual({ 3: V3 });
    expect(Object.keys(event.upcasters)).toEqual(['2']);
    expect(defineEvent({ schema: V1, version: 1 }).upcasters).toEqual({});
  });

  it('refuses upcasters that do not reach the latest version', () => {
    expect(
      definitionError(() =>
        defineEvent({ schema: V3, version: 3, upcasters: { 1: (details: unknown) => details } }),
      ),
    ).toMatch(/upcasters\[2\] is missing/);
    expect(
      definitionError(() =>
        // A cast, as a JavaScript caller could: every version needs its upcaster.
        defineEvent({ versions: [V1, V2, V3], upcasters: { 2: (d: unknown) => d } } as never),
      ),
    ).toMatch(/upcasters\[1\] is missing/);
  });

  it('refuses an upcaster keyed by a version that is not below the latest', () => {
    for (const key of ['0', '2', '1.5', 'first']) {
      expect(
        definitionError(() =>
          defineEvent({ schema: V2, version: 2, upcasters: { [key]: (d: unknown) => d } }),
        ),
        key,
      ).toMatch(/is not a version below the latest \(2\)/);
    }
    expect(
      definitionError(() =>
        defineEvent({ schema: V2, version: 2, upcasters: { 1: 'no' as never } }),
      ),
    ).toMatch(/must be a function/);
  });

  it('refuses a version that is not an integer from 1, and schemas that are not valibot schemas', () => {
    for (const version of [0, -1, 1.5, Number.NaN]) {
      expect(definitionError(() => defineEvent({ schema: V1, version }))).toMatch(
        /`version` must be an integer from 1/,
      );
    }
    expect(definitionError(() => defineEvent({ schema: {} as never, version: 1 }))).toMatch(
      /`schema` must be a valibot schema/,
    );
    expect(
      definitionError(() => defineEvent({ versions: [] as never, upcasters: {} as never })),
    ).toMatch(/`versions` must list/);
  });
});
