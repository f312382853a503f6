import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { isFactlineError } from '../errors/factline-error.js';
import { defineEvent } from './define-event.js';
import { defineEvents, type EventSchema } from './event-registry.js';
import {
  type JsonSchema,
  type JsonValue,
  jsonSchemaDialect,
  jsonSchemaOf,
} from './json-schema-of.js';

/**
 * A small JSON Schema 2020-12 validator for the keywords jsonSchemaOf emits,
 * so the tests can hold valibot and the exported schema to the same samples.
 * `format` is an annotation here, as it is by default in 2020-12.
 */
function accepts(schema: JsonValue, value: JsonValue): boolean {
  if (schema === true) return true;
  if (schema === false) return false;
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    throw new Error(`not a schema: ${JSON.stringify(schema)}`);
  }
  const s = schema as JsonSchema;
  const known = new Set([
    '$schema',
    '$comment',
    'title',
    'description',
    'format',
    'type',
    'const',
    'enum',
    'not',
    'anyOf',
    'allOf',
    'properties',
    'required',
    'additionalProperties',
    'propertyNames',
    'minProperties',
    'maxProperties',
    'items',
    'prefixItems',
    'minItems',
    'maxItems',
    'contains',
    'minLength',
    'maxLength',
    'pattern',
    'minimum',
    'maximum',
    'exclusiveMinimum',
    'exclusiveMaximum',
    'multipleOf',
  ]);
  for (const keyword of Object.keys(s)) {
    if (!known.has(keyword)) throw new Error(`the test validator does not know "${keyword}"`);
  }
  const same = (a: JsonValue | undefined, b: JsonValue) => JSON.stringify(a) === JSON.stringify(b);
  const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
  const record = value as { readonly [key: string]: JsonValue };
  if (s.type !== undefined && !hasType(value, s.type as string)) return false;
  if (s.const !== undefined && !same(s.const, value)) return false;
  if (s.enum !== undefined && !(s.enum as JsonValue[]).some((option) => same(option, value))) {
    return false;
  }
  if (s.not !== undefined && accepts(s.not, value)) return false;
  if (s.anyOf !== undefined && !(s.anyOf as JsonValue[]).some((sub) => accepts(sub, value))) {
    return false;
  }
  if (s.allOf !== undefined && !(s.allOf as JsonValue[]).every((sub) => accepts(sub, value))) {
    return false;
  }
  if (isObject) {
    const keys = Object.keys(record);
    const properties = (s.properties ?? {}) as JsonSchema;
    for (const key of (s.required ?? []) as string[]) if (!(key in record)) return false;
    for (const key of keys) {
      const sub = Object.hasOwn(properties, key) ? properties[key] : s.additionalProperties;
      if (sub !== undefined && !accepts(sub, record[key] as JsonValue)) return false;
      if (s.propertyNames !== undefined && !accepts(s.propertyNames, key)) return false;
    }
    if (typeof s.minProperties === 'number' && keys.length < s.minProperties) return false;
    if (typeof s.maxProperties === 'number' && keys.length > s.maxProperties) return false;
  }
  if (Array.isArray(value)) {
    const prefix = (s.prefixItems ?? []) as JsonValue[];
    for (const [index, item] of value.entries()) {
      const sub = index < prefix.length ? prefix[index] : s.items;
      if (sub !== undefined && !accepts(sub, item)) return false;
    }
    if (typeof s.minItems === 'number' && value.length < s.minItems) return false;
    if (typeof s.maxItems === 'number' && value.length > s.maxItems) return false;
    if (s.contains !== undefined && !value.some((item) => accepts(s.contains as JsonValue, item))) {
      return false;
    }
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (typeof s.minLength === 'number' && length < s.minLength) return false;
    if (typeof s.maxLength === 'number' && length > s.maxLength) return false;
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(value)) return false;
  }
  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && value < s.minimum) return false;
    if (typeof s.maximum === 'number' && value > s.maximum) return false;
    if (typeof s.exclusiveMinimum === 'number' && value <= s.exclusiveMinimum) return false;
    if (typeof s.exclusiveMaximum === 'number' && value >= s.exclusiveMaximum) return false;
    if (typeof s.multipleOf === 'number' && !Number.isInteger(value / s.multipleOf)) return false;
  }
  return true;
}

function hasType(value: JsonValue, type: string): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'integer':
      return Number.isInteger(value);
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    default:
      return typeof value === type;
  }
}

/**
 * Holds the exported schema to valibot: every stored output valibot produces
 * passes it and, where the conversion is exact, every input valibot refuses
 * fails it.
 */
function expectSameVerdicts(schema: EventSchema, samples: readonly unknown[], exact = true): void {
  const json = jsonSchemaOf(schema);
  for (const sample of samples) {
    const result = v.safeParse(schema, sample);
    const label = JSON.stringify(sample);
    if (result.success) {
      const stored = JSON.parse(JSON.stringify(result.output)) as JsonValue;
      expect(accepts(json, stored), `stored output of ${label}`).toBe(true);
    } else if (exact) {
      expect(accepts(json, sample as JsonValue), `refused ${label}`).toBe(false);
    }
  }
}

function conversionError(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (isFactlineError(error, 'INVALID_ARGUMENT')) return error.message;
    throw error;
  }
  throw new Error('expected an InvalidArgumentError');
}

describe('jsonSchemaOf', () => {
  it('describes an object of scalars, declaring draft 2020-12', () => {
    expect(
      jsonSchemaOf(
        v.object({
          sku: v.pipe(v.string(), v.nonEmpty(), v.maxLength(20)),
          quantity: v.pipe(v.number(), v.integer(), v.minValue(1)),
          price: v.pipe(v.number(), v.gtValue(0), v.multipleOf(0.01)),
          gift: v.boolean(),
          note: v.nullable(v.string()),
        }),
      ),
    ).toEqual({
      $schema: jsonSchemaDialect,
      type: 'object',
      properties: {
        sku: { type: 'string', minLength: 1, maxLength: 20 },
        quantity: { type: 'integer', minimum: 1 },
        price: { type: 'number', exclusiveMinimum: 0, multipleOf: 0.01 },
        gift: { type: 'boolean' },
        note: { anyOf: [{ type: 'string' }, { type: 'null' }] },
      },
      required: ['sku', 'quantity', 'price', 'gift', 'note'],
    });
    expect(jsonSchemaDialect).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('requires a key with a default, which is always stored, and not one that may be absent', () => {
    const { properties, required } = jsonSchemaOf(
      v.object({
        currency: v.optional(v.string(), 'EUR'),
        coupon: v.optional(v.string()),
        exact: v.exactOptional(v.number()),
        maybe: v.nullish(v.string()),
        anything: v.unknown(),
        fallback: v.nullish(v.number(), 0),
      }),
    ) as { properties: JsonSchema; required: string[] };
    expect(required).toEqual(['currency', 'fallback']);
    expect(properties).toEqual({
      currency: { type: 'string' },
      coupon: { type: 'string' },
      exact: { type: 'number' },
      maybe: { anyOf: [{ type: 'string' }, { type: 'null' }] },
      anything: {},
      fallback: { type: 'number' },
    });
  });

  it('leaves v.object open for fields added later, and closes v.strictObject', () => {
    const open = jsonSchemaOf(v.object({ a: v.string() }));
    expect(open.additionalProperties).toBeUndefined();
    expect(accepts(open, { a: 'x', addedLater: 1 })).toBe(true);
    const strict = jsonSchemaOf(v.strictObject({ a: v.string() }));
    expect(strict.additionalProperties).toBe(false);
    expect(accepts(strict, { a: 'x', b: 1 })).toBe(false);
    expect(
      jsonSchemaOf(v.objectWithRest({ a: v.string() }, v.number())).additionalProperties,
    ).toEqual({ type: 'number' });
  });

  it('describes arrays, tuples, records, unions, variants and literals', () => {
    expect(
      jsonSchemaOf(
        v.object({
          lines: v.pipe(
            v.array(v.object({ sku: v.string(), quantity: v.number() })),
            v.minLength(1),
          ),
          point: v.tuple([v.number(), v.number()]),
          strictPair: v.strictTuple([v.string(), v.boolean()]),
          rest: v.tupleWithRest([v.string()], v.number()),
          stock: v.record(v.string(), v.number()),
          byColour: v.record(v.picklist(['red', 'blue']), v.boolean()),
          status: v.picklist(['open', 'closed']),
          kind: v.literal('order'),
          payment: v.variant('method', [
            v.object({ method: v.literal('card'), last4: v.string() }),
            v.object({ method: v.literal('cash') }),
          ]),
          id: v.union([v.string(), v.number()]),
          both: v.intersect([v.object({ a: v.string() }), v.object({ b: v.string() })]),
        }),
      ).properties,
    ).toEqual({
      lines: {
        type: 'array',
        items: {
          type: 'object',
          properties: { sku: { type: 'string' }, quantity: { type: 'number' } },
          required: ['sku', 'quantity'],
        },
        minItems: 1,
      },
      point: { type: 'array', prefixItems: [{ type: 'number' }, { type: 'number' }], minItems: 2 },
      strictPair: {
        type: 'array',
        prefixItems: [{ type: 'string' }, { type: 'boolean' }],
        minItems: 2,
        items: false,
      },
      rest: {
        type: 'array',
        prefixItems: [{ type: 'string' }],
        minItems: 1,
        items: { type: 'number' },
      },
      stock: { type: 'object', additionalProperties: { type: 'number' } },
      byColour: {
        type: 'object',
        additionalProperties: { type: 'boolean' },
        propertyNames: { enum: ['red', 'blue'] },
      },
      status: { enum: ['open', 'closed'] },
      kind: { const: 'order' },
      payment: {
        anyOf: [
          {
            type: 'object',
            properties: { method: { const: 'card' }, last4: { type: 'string' } },
            required: ['method', 'last4'],
          },
          { type: 'object', properties: { method: { const: 'cash' } }, required: ['method'] },
        ],
      },
      id: { anyOf: [{ type: 'string' }, { type: 'number' }] },
      both: {
        allOf: [
          { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
          { type: 'object', properties: { b: { type: 'string' } }, required: ['b'] },
        ],
      },
    });
  });

  it('turns string checks into patterns and formats', () => {
    const { properties } = jsonSchemaOf(
      v.object({
        email: v.pipe(v.string(), v.email()),
        id: v.pipe(v.string(), v.uuid()),
        code: v.pipe(v.string(), v.regex(/^[A-Z]{3}-\d+$/), v.startsWith('ABC'), v.endsWith('.9')),
        day: v.pipe(v.string(), v.isoDate()),
        title: v.pipe(v.string(), v.trim(), v.nonEmpty(), v.description('Shown to customers')),
      }),
    ) as { properties: Record<string, JsonSchema> };
    expect(properties.email).toEqual({ type: 'string', format: 'email' });
    expect(properties.id).toEqual({ type: 'string', format: 'uuid' });
    expect(properties.code).toEqual({
      type: 'string',
      pattern: '^[A-Z]{3}-\\d+$',
      allOf: [{ pattern: '^ABC' }, { pattern: '\\.9$' }],
    });
    expect(properties.day?.pattern).toEqual(expect.any(String));
    expect(properties.title).toEqual({
      type: 'string',
      minLength: 1,
      description: 'Shown to customers',
    });
  });

  it('agrees with valibot on what it accepts', () => {
    expectSameVerdicts(
      v.object({
        sku: v.pipe(v.string(), v.minLength(2), v.maxLength(4), v.regex(/^[A-Z]+$/)),
        quantity: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(10)),
        price: v.pipe(v.number(), v.gtValue(0), v.ltValue(100)),
        status: v.picklist(['open', 'closed']),
        note: v.optional(v.nullable(v.string())),
        tags: v.pipe(v.array(v.string()), v.maxLength(2)),
      }),
      [
        { sku: 'AB', quantity: 1, price: 1, status: 'open', tags: [] },
        { sku: 'ABCD', quantity: 10, price: 99.5, status: 'closed', note: null, tags: ['a', 'b'] },
        { sku: 'ABC', quantity: 5, price: 5, status: 'open', note: 'hi', tags: ['x'] },
        { sku: 'A', quantity: 1, price: 1, status: 'open', tags: [] },
        { sku: 'ABCDE', quantity: 1, price: 1, status: 'open', tags: [] },
        { sku: 'ab', quantity: 1, price: 1, status: 'open', tags: [] },
        { sku: 'AB', quantity: 1.5, price: 1, status: 'open', tags: [] },
        { sku: 'AB', quantity: 0, price: 1, status: 'open', tags: [] },
        { sku: 'AB', quantity: 11, price: 1, status: 'open', tags: [] },
        { sku: 'AB', quantity: 1, price: 0, status: 'open', tags: [] },
        { sku: 'AB', quantity: 1, price: 100, status: 'open', tags: [] },
        { sku: 'AB', quantity: 1, price: 1, status: 'gone', tags: [] },
        { sku: 'AB', quantity: 1, price: 1, status: 'open', tags: ['a', 'b', 'c'] },
        { sku: 'AB', quantity: 1, price: 1, status: 'open', tags: [1] },
        { sku: 'AB', quantity: 1, price: 1, status: 'open', note: 5, tags: [] },
        { quantity: 1, price: 1, status: 'open', tags: [] },
        'not an object',
        null,
      ],
    );
    expectSameVerdicts(
      v.variant('method', [
        v.object({ method: v.literal('card'), last4: v.pipe(v.string(), v.length(4)) }),
        v.object({ method: v.literal('cash'), change: v.optional(v.number(), 0) }),
      ]),
      [
        { method: 'card', last4: '1234' },
        { method: 'cash' },
        { method: 'cash', change: 2 },
        { method: 'card', last4: '123' },
        { method: 'card' },
        { method: 'cheque' },
      ],
    );
    expectSameVerdicts(v.strictTuple([v.string(), v.nullable(v.number())]), [
      ['a', 1],
      ['a', null],
      ['a'],
      ['a', 1, 2],
      [1, 1],
    ]);
  });

  it('follows a transform to the schema that describes its result', () => {
    const schema = v.object({
      quantity: v.pipe(v.string(), v.transform(Number), v.number(), v.integer()),
    });
    expect(jsonSchemaOf(schema).properties).toEqual({ quantity: { type: 'integer' } });
    expectSameVerdicts(schema, [{ quantity: '3' }], false);
  });

  it('refuses what JSON Schema cannot express, naming the path', () => {
    expect(
      conversionError(() =>
        jsonSchemaOf(v.object({ quantity: v.pipe(v.string(), v.transform(Number)) })),
      ),
    ).toMatch(
      /details\.quantity uses v\.transform\(\) with no later schema for its result.*bestEffort/,
    );
    expect(
      conversionError(() =>
        jsonSchemaOf(
          v.object({
            lines: v.array(
              v.object({
                n: v.pipe(
                  v.number(),
                  v.check((n) => n % 2 === 0, 'even'),
                ),
              }),
            ),
          }),
        ),
      ),
    ).toMatch(/details\.lines\[\]\.n uses v\.check\(\) on a number/);
    expect(conversionError(() => jsonSchemaOf(v.object({ at: v.date() })))).toMatch(
      /details\.at uses v\.date\(\), which JSON Schema cannot express/,
    );
    expect(conversionError(() => jsonSchemaOf(v.pipe(v.string(), v.regex(/^a/i))))).toMatch(
      /v\.regex\(\) on a string/,
    );
  });

  it('in best effort, loosens what it cannot express and says so in $comment', () => {
    const schema = jsonSchemaOf(
      v.object({
        even: v.pipe(
          v.number(),
          v.minValue(0),
          v.check((n) => n % 2 === 0),
        ),
        parsed: v.pipe(v.string(), v.transform(Number)),
      }),
      { bestEffort: true },
    );
    expect(schema.properties).toEqual({
      even: {
        type: 'number',
        minimum: 0,
        $comment: 'factline: leaves out v.check() on a number, which JSON Schema cannot express.',
      },
      parsed: {
        $comment:
          'factline: leaves out v.transform() with no later schema for its result, which JSON Schema cannot express.',
      },
    });
  });
});

describe('EventRegistry.toJsonSchema', () => {
  const events = defineEvents({
    ProductAdded: v.object({ sku: v.string() }),
    OrderPlaced: defineEvent({
      versions: [
        v.object({ customer: v.string() }),
        v.object({ customerId: v.string(), currency: v.optional(v.string(), 'EUR') }),
      ],
      upcasters: { 1: ({ customer }) => ({ customerId: customer }) },
    }),
  });

  it('gives each event its latest version and the JSON Schema of its details', () => {
    const exported = events.toJsonSchema();
    expect(exported).toEqual({
      ProductAdded: {
        version: 1,
        schema: {
          $schema: jsonSchemaDialect,
          type: 'object',
          properties: { sku: { type: 'string' } },
          required: ['sku'],
        },
      },
      OrderPlaced: {
        version: 2,
        schema: {
          $schema: jsonSchemaDialect,
          type: 'object',
          properties: { customerId: { type: 'string' }, currency: { type: 'string' } },
          required: ['customerId', 'currency'],
        },
      },
    });
    expect(JSON.parse(JSON.stringify(exported))).toEqual(exported);
    const stored = events.validate('OrderPlaced', { customerId: 'c-1' }, 'order-1');
    expect(accepts(exported.OrderPlaced.schema, stored as JsonValue)).toBe(true);
  });

  it('names the event whose schema cannot be expressed', () => {
    const odd = defineEvents({
      Fine: v.object({ a: v.string() }),
      Odd: v.object({
        at: v.pipe(
          v.string(),
          v.transform((text) => new Date(text)),
        ),
      }),
    });
    expect(conversionError(() => odd.toJsonSchema())).toMatch(/^Odd: details\.at uses/);
    expect(odd.toJsonSchema({ bestEffort: true }).Odd.schema.properties).toEqual({
      at: { $comment: expect.stringContaining('v.transform()') },
    });
  });
});
