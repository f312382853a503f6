import { describe, expect, it } from 'vitest';
import { isFactlineError } from '../errors/factline-error.js';
import { SerializationError } from '../errors/serialization-error.js';
import { toJsonText } from './json-text.js';

function failure(value: unknown): SerializationError {
  try {
    toJsonText(value, 'details');
  } catch (error) {
    if (error instanceof SerializationError) return error;
    throw error;
  }
  throw new Error('expected a SerializationError');
}

describe('toJsonText', () => {
  it('serialises what JSON carries exactly', () => {
    const value = { a: 'π 🚀', b: [1, -2.5, 0, null, true], c: { d: {} }, e: [] };
    expect(JSON.parse(toJsonText(value, 'details'))).toEqual(value);
  });

  it('omits undefined object properties, as absent optional fields', () => {
    expect(toJsonText({ a: 1, b: undefined }, 'details')).toBe('{"a":1}');
  });

  it('accepts objects without a prototype', () => {
    const value = Object.assign(Object.create(null) as object, { a: 1 });
    expect(toJsonText(value, 'details')).toBe('{"a":1}');
  });

  it.each([
    ['a BigInt', { n: 1n }, 'details.n'],
    ['NaN', { n: Number.NaN }, 'details.n'],
    ['Infinity', { n: [1, Number.POSITIVE_INFINITY] }, 'details.n[1]'],
    ['a Date', { at: new Date(0) }, 'details.at'],
    ['a Map', { m: new Map() }, 'details.m'],
    ['undefined in an array', { list: [1, undefined] }, 'details.list[1]'],
    ['a function', { f: () => 1 }, 'details.f'],
    ['a symbol', { s: Symbol('s') }, 'details.s'],
    ['undefined at the top', undefined, 'details'],
  ])('rejects %s with the path to it', (_kind, value, path) => {
    const error = failure(value);
    expect(isFactlineError(error, 'SERIALIZATION')).toBe(true);
    expect(error.path).toBe(path);
    expect(error.message).toContain('nothing was written');
  });

  it('rejects a cycle', () => {
    const value: Record<string, unknown> = { a: { b: [] } };
    ((value.a as Record<string, unknown>).b as unknown[]).push(value);
    expect(failure(value).path).toBe('details.a.b[0]');
  });

  it('accepts the same object twice when it is not a cycle', () => {
    const shared = { x: 1 };
    expect(toJsonText({ a: shared, b: shared }, 'details')).toBe('{"a":{"x":1},"b":{"x":1}}');
  });
});
