import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import type { EventSchema } from './event-registry.js';

/** A value JSON can carry. */
export type JsonValue =
  | null
  | boolean
  | number
  | string
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/** A JSON Schema document or subschema, as plain JSON. */
export type JsonSchema = { readonly [keyword: string]: JsonValue };

/** How to convert a schema to JSON Schema. */
export interface JsonSchemaOptions {
  /**
   * What to do with a part JSON Schema cannot express (a custom check, a
   * transform whose result is unknown, a recursive `lazy` schema…):
   * `false` (the default) throws an `InvalidArgumentError` naming it; `true`
   * leaves it out — the schema gets looser, never stricter, and a `$comment`
   * at that place says what was left out.
   */
  readonly bestEffort?: boolean;
}

/** The JSON Schema dialect every converted schema declares. */
export const jsonSchemaDialect = 'https://json-schema.org/draft/2020-12/schema';

/**
 * Converts a valibot schema to a JSON Schema (draft 2020-12) of its output —
 * what factline stores — so programs in other languages can read and write
 * the same JSON.
 *
 * What it describes: a key with a default is required (it is always stored);
 * a key that may be `undefined` is optional (JSON drops it); `v.object` and
 * `v.looseObject` allow other keys, `v.strictObject` does not. Checks become
 * keywords (`minLength`, `maximum`, `pattern`, `format`…); string lengths
 * count UTF-16 units in valibot and code points in JSON Schema, which differ
 * only outside the Basic Multilingual Plane. A transform is fine when a later
 * schema in its pipe describes its result, and the type-preserving ones
 * (`trim`, `toLowerCase`…) are fine; checks before those are left out.
 *
 * @example
 * ```ts
 * jsonSchemaOf(v.object({ quantity: v.pipe(v.number(), v.integer(), v.minValue(1)) }));
 * // { $schema: 'https://json-schema.org/draft/2020-12/schema', type: 'object',
 * //   properties: { quantity: { type: 'integer', minimum: 1 } }, required: ['quantity'] }
 * ```
 *
 * @param schema A valibot schema whose output is JSON.
 * @param options `bestEffort`: loosen what cannot be expressed instead of throwing.
 * @returns The JSON Schema, with `$schema` set.
 * @throws {InvalidArgumentError} At the first part that cannot be expressed, unless `bestEffort`.
 */
export function jsonSchemaOf(schema: EventSchema, options: JsonSchemaOptions = {}): JsonSchema {
  return detailsJsonSchema(schema, options, 'the schema');
}

/**
 * {@link jsonSchemaOf}, naming what is converted in its errors.
 *
 * @param schema The schema.
 * @param options `bestEffort`.
 * @param label What the schema is, e.g. an event name, for error messages.
 * @returns The JSON Schema.
 */
export function detailsJsonSchema(
  schema: EventSchema,
  options: JsonSchemaOptions,
  label: string,
): JsonSchema {
  const context: Context = { bestEffort: options.bestEffort === true, label };
  return { $schema: jsonSchemaDialect, ...convert(schema as unknown as Node, 'details', context) };
}

/** The parts of valibot's schemas and actions that the conversion reads. */
interface Node {
  readonly kind: 'schema' | 'validation' | 'transformation' | 'metadata';
  readonly type: string;
  readonly pipe?: readonly Node[];
  readonly entries?: Readonly<Record<string, Node>>;
  readonly item?: Node;
  readonly items?: readonly Node[];
  readonly rest?: Node;
  readonly key?: Node;
  readonly value?: Node;
  readonly wrapped?: Node;
  readonly options?: readonly unknown[];
  readonly default?: unknown;
  readonly literal?: unknown;
  readonly requirement?: unknown;
  readonly title?: unknown;
  readonly description?: unknown;
}

interface Context {
  readonly bestEffort: boolean;
  readonly label: string;
}

type Schema = Record<string, JsonValue>;

/** Transformations whose result has the input's type: the schema holds, checks before them may not. */
const typePreserving = new Set([
  'trim',
  'trim_start',
  'trim_end',
  'to_lower_case',
  'to_upper_case',
  'normalize',
  'to_min_value',
  'to_max_value',
  'sort_items',
]);

/** Transformations that change nothing a JSON reader sees. */
const typeOnly = new Set(['brand', 'flavor', 'readonly']);

/** String checks with a JSON Schema `format` of the same meaning. */
const formats: Readonly<Record<string, string>> = {
  email: 'email',
  rfc_email: 'email',
  url: 'uri',
  uuid: 'uuid',
  ipv4: 'ipv4',
  ipv6: 'ipv6',
};

/** Wrappers whose output may be `undefined`, which JSON stores as an absent key. */
const absentWhenUndefined = new Set(['optional', 'exact_optional', 'undefinedable', 'nullish']);

function convert(node: Node, path: string, context: Context): Schema {
  if (node.pipe !== undefined) return convertPipe(node.pipe, path, context);
  switch (node.type) {
    case 'string':
    case 'number':
    case 'boolean':
    case 'null':
      return { type: node.type };
    case 'any':
    case 'unknown':
      return {};
    case 'literal':
      return isJsonScalar(node.literal)
        ? { const: node.literal }
        : unsupported(
            context,
            path,
            'a v.literal() that is not a string, finite number or boolean',
          );
    case 'picklist':
    case 'enum': {
      const options = node.options ?? [];
      return options.every(isJsonScalar)
        ? { enum: options }
        : unsupported(context, path, `a v.${valibotName(node.type)}() option that is not JSON`);
    }
    case 'array':
      return { type: 'array', items: convert(node.item as Node, `${path}[]`, context) };
    case 'tuple':
    case 'loose_tuple':
    case 'strict_tuple':
    case 'tuple_with_rest':
      return convertTuple(node, path, context);
    case 'object':
    case 'loose_object':
    case 'strict_object':
    case 'object_with_rest':
      return convertObject(node, path, context);
    case 'record':
      return convertRecord(node, path, context);
    case 'optional':
    case 'exact_optional':
    case 'undefinedable':
    case 'non_optional':
      // Whether the key may be absent is the object's business (see isRequired).
      return convert(node.wrapped as Node, path, context);
    case 'nullable':
    case 'nullish': {
      const wrapped = convert(node.wrapped as Node, path, context);
      // A default replaces null, so the output is never null.
      return node.default !== undefined ? wrapped : { anyOf: [wrapped, { type: 'null' }] };
    }
    case 'union':
    case 'variant':
      return {
        anyOf: (node.options as Node[]).map((option) => convert(option, path, context)),
      };
    case 'intersect':
      return {
        allOf: (node.options as Node[]).map((option) => convert(option, path, context)),
      };
    case 'lazy':
      return unsupported(context, path, 'v.lazy() (recursion)');
    default:
      return unsupported(context, path, `v.${valibotName(node.type)}()`);
  }
}

function convertTuple(node: Node, path: string, context: Context): Schema {
  const items = node.items ?? [];
  const schema: Schema = {
    type: 'array',
    prefixItems: items.map((item, index) => convert(item, `${path}[${index}]`, context)),
    minItems: items.length,
  };
  if (node.type === 'strict_tuple') schema.items = false;
  if (node.type === 'tuple_with_rest')
    schema.items = convert(node.rest as Node, `${path}[]`, context);
  return schema;
}

function convertObject(node: Node, path: string, context: Context): Schema {
  const properties: Schema = {};
  const required: string[] = [];
  for (const [key, entry] of Object.entries(node.entries ?? {})) {
    properties[key] = convert(entry, `${path}.${key}`, context);
    if (isRequired(entry)) required.push(key);
  }
  const schema: Schema = { type: 'object', properties };
  if (required.length > 0) schema.required = required;
  if (node.type === 'strict_object') schema.additionalProperties = false;
  if (node.type === 'object_with_rest') {
    schema.additionalProperties = convert(node.rest as Node, `${path}[*]`, context);
  }
  return schema;
}

/** Whether a key is always in the stored JSON: its value is never `undefined`. */
function isRequired(entry: Node): boolean {
  const base = entry.pipe?.[0] ?? entry;
  if (base.type === 'any' || base.type === 'unknown') return false;
  return !absentWhenUndefined.has(base.type) || base.default !== undefined;
}

function convertRecord(node: Node, path: string, context: Context): Schema {
  const schema: Schema = {
    type: 'object',
    additionalProperties: convert(node.value as Node, `${path}[*]`, context),
  };
  const key = node.key as Node;
  if (key.pipe !== undefined || key.type !== 'string') {
    schema.propertyNames = convert(key, `${path} (keys)`, context);
  }
  return schema;
}

function convertPipe(pipe: readonly Node[], path: string, context: Context): Schema {
  let base = pipe[0] as Node;
  let schema = convert(base, path, context);
  // Set by a transformation whose result no later schema describes.
  let unknownResult: string | undefined;
  for (const item of pipe.slice(1)) {
    if (item.kind === 'schema') {
      base = item;
      schema = convert(base, path, context);
      unknownResult = undefined;
    } else if (item.kind === 'transformation') {
      if (typeOnly.has(item.type)) continue;
      if (unknownResult === undefined && typePreserving.has(item.type)) {
        // The type holds but earlier checks may not: start again from the schema.
        schema = convert(base, path, context);
      } else {
        unknownResult = item.type;
      }
    } else if (unknownResult === undefined) {
      if (item.kind === 'validation') addCheck(schema, item, path, context);
      else addMetadata(schema, item);
    }
  }
  if (unknownResult !== undefined) {
    return unsupported(
      context,
      path,
      `v.${valibotName(unknownResult)}() with no later schema for its result`,
    );
  }
  return schema;
}

function addMetadata(schema: Schema, item: Node): void {
  if (item.type === 'title' && typeof item.title === 'string') schema.title = item.title;
  if (item.type === 'description' && typeof item.description === 'string') {
    schema.description = item.description;
  }
}

/** Turns one valibot check into keywords on `schema`, or reports it. */
function addCheck(schema: Schema, check: Node, path: string, context: Context): void {
  if (applyCheck(schema, check)) return;
  const on = typeof schema.type === 'string' ? ` on a ${schema.type}` : '';
  unsupported(context, path, `v.${valibotName(check.type)}()${on}`, schema);
}

/** Adds the keywords of one check; `false` when JSON Schema has none for it here. */
function applyCheck(schema: Schema, check: Node): boolean {
  const type = schema.type;
  const isString = type === 'string';
  const isNumber = type === 'number' || type === 'integer';
  const isArray = type === 'array';
  const isObject = type === 'object';
  const requirement = check.requirement;
  const count = typeof requirement === 'number' && Number.isSafeInteger(requirement);
  const bound = typeof requirement === 'number' && Number.isFinite(requirement);
  const size = isString
    ? ['minLength', 'maxLength']
    : isArray
      ? ['minItems', 'maxItems']
      : undefined;
  const [min, max] = size ?? [];
  switch (check.type) {
    case 'min_length':
      if (min !== undefined && count) return raise(schema, min, requirement);
      break;
    case 'max_length':
      if (max !== undefined && count) return lower(schema, max, requirement);
      break;
    case 'length':
      if (min !== undefined && max !== undefined && count) {
        raise(schema, min, requirement);
        return lower(schema, max, requirement);
      }
      break;
    case 'non_empty':
      if (min !== undefined) return raise(schema, min, 1);
      break;
    case 'empty':
      if (max !== undefined) return lower(schema, max, 0);
      break;
    case 'min_entries':
      if (isObject && count) return raise(schema, 'minProperties', requirement);
      break;
    case 'max_entries':
      if (isObject && count) return lower(schema, 'maxProperties', requirement);
      break;
    case 'min_value':
      if (isNumber && bound) return raise(schema, 'minimum', requirement);
      break;
    case 'max_value':
      if (isNumber && bound) return lower(schema, 'maximum', requirement);
      break;
    case 'gt_value':
      if (isNumber && bound) return raise(schema, 'exclusiveMinimum', requirement);
      break;
    case 'lt_value':
      if (isNumber && bound) return lower(schema, 'exclusiveMaximum', requirement);
      break;
    case 'multiple_of':
      if (isNumber && bound && requirement > 0) return constrain(schema, 'multipleOf', requirement);
      break;
    case 'integer':
      if (isNumber) {
        schema.type = 'integer';
        return true;
      }
      break;
    case 'safe_integer':
      if (isNumber) {
        schema.type = 'integer';
        raise(schema, 'minimum', Number.MIN_SAFE_INTEGER);
        return lower(schema, 'maximum', Number.MAX_SAFE_INTEGER);
      }
      break;
    case 'finite':
      if (isNumber) return true; // JSON numbers are finite.
      break;
    case 'value':
      if (isJsonScalar(requirement)) return constrain(schema, 'const', requirement);
      break;
    case 'values':
      if (Array.isArray(requirement) && requirement.every(isJsonScalar)) {
        return constrain(schema, 'enum', requirement);
      }
      break;
    case 'not_value':
      if (isJsonScalar(requirement)) return constrain(schema, 'not', { const: requirement });
      break;
    case 'not_values':
      if (Array.isArray(requirement) && requirement.every(isJsonScalar)) {
        return constrain(schema, 'not', { enum: requirement });
      }
      break;
    case 'starts_with':
      if (isString && typeof requirement === 'string') {
        return constrain(schema, 'pattern', `^${escapeRegExp(requirement)}`);
      }
      break;
    case 'ends_with':
      if (isString && typeof requirement === 'string') {
        return constrain(schema, 'pattern', `${escapeRegExp(requirement)}$`);
      }
      break;
    case 'includes':
      if (isString && typeof requirement === 'string') {
        return constrain(schema, 'pattern', escapeRegExp(requirement));
      }
      if (isArray && isJsonScalar(requirement)) {
        return constrain(schema, 'contains', { const: requirement });
      }
      break;
    default: {
      const format = formats[check.type];
      if (isString && format !== undefined) return constrain(schema, 'format', format);
      // regex, and the checks valibot defines by one (hexadecimal, ulid, iso_timestamp…).
      if (isString && requirement instanceof RegExp && /^u?$/.test(requirement.flags)) {
        return constrain(schema, 'pattern', requirement.source);
      }
    }
  }
  return false;
}

/** Sets a lower bound, keeping the stricter of two; `true`, for a handled check to return. */
function raise(schema: Schema, keyword: string, value: number): true {
  const current = schema[keyword];
  schema[keyword] = typeof current === 'number' ? Math.max(current, value) : value;
  return true;
}

/** Sets an upper bound, keeping the stricter of two; `true`, for a handled check to return. */
function lower(schema: Schema, keyword: string, value: number): true {
  const current = schema[keyword];
  schema[keyword] = typeof current === 'number' ? Math.min(current, value) : value;
  return true;
}

/** Sets a keyword, or adds it under `allOf` when it is set already; `true`, for a handled check to return. */
function constrain(schema: Schema, keyword: string, value: JsonValue): true {
  if (schema[keyword] === undefined) {
    schema[keyword] = value;
    return true;
  }
  const allOf = Array.isArray(schema.allOf) ? [...schema.allOf] : [];
  allOf.push({ [keyword]: value });
  schema.allOf = allOf;
  return true;
}

/**
 * Throws for what JSON Schema cannot express or, in best effort, notes it
 * in a `$comment` on the (looser) schema that stands in for it.
 */
function unsupported(context: Context, path: string, what: string, schema: Schema = {}): Schema {
  if (!context.bestEffort) {
    throw new InvalidArgumentError(
      `${context.label}: ${path} uses ${what}, which JSON Schema cannot express. ` +
        'Describe the stored shape without it, or pass { bestEffort: true } to leave it out.',
    );
  }
  const note = `factline: leaves out ${what}, which JSON Schema cannot express.`;
  schema.$comment = typeof schema.$comment === 'string' ? `${schema.$comment} ${note}` : note;
  return schema;
}

function isJsonScalar(value: unknown): value is string | number | boolean {
  return (
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

/** valibot's function for a schema or action type: `min_length` → `minLength`. */
function valibotName(type: string): string {
  return type.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
}
