import { SerializationError } from '../errors/serialization-error.js';

/**
 * Serialises a value that must survive a JSON round trip exactly.
 *
 * JSON.stringify alone silently turns NaN into null, a Date into a string and
 * drops undefined array items; stored history must not change on the way in.
 *
 * @param value The value to serialise.
 * @param path How to name the value in an error, e.g. `details`.
 * @returns The JSON text.
 * @throws {SerializationError} At the first value JSON cannot carry.
 */
export function toJsonText(value: unknown, path: string): string {
  // The quick check builds no paths; only a value it rejects is walked again
  // by checkJsonValue, which names the offending place.
  if (!isJsonValue(value, [])) checkJsonValue(value, path, []);
  return JSON.stringify(value);
}

/** checkJsonValue's rules as a yes/no answer, without building paths. */
function isJsonValue(value: unknown, ancestors: object[]): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (ancestors.includes(value)) return false;
  ancestors.push(value);
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      if (!isJsonValue(value[index], ancestors)) return false;
    }
  } else {
    const prototype = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) return false;
    for (const key of Object.keys(value)) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined && !isJsonValue(item, ancestors)) return false;
    }
  }
  ancestors.pop();
  return true;
}

function checkJsonValue(value: unknown, path: string, ancestors: object[]): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new SerializationError(path, `is ${String(value)}`);
      return;
    case 'bigint':
      throw new SerializationError(path, 'is a BigInt');
    case 'undefined':
      throw new SerializationError(path, 'is undefined');
    case 'function':
    case 'symbol':
      throw new SerializationError(path, `is a ${typeof value}`);
  }
  if (value === null) return;
  const object = value as object;
  if (ancestors.includes(object)) throw new SerializationError(path, 'refers to itself (a cycle)');
  ancestors.push(object);
  if (Array.isArray(object)) {
    for (let index = 0; index < object.length; index++) {
      checkJsonValue(object[index], `${path}[${index}]`, ancestors);
    }
  } else {
    const prototype = Object.getPrototypeOf(object);
    if (prototype !== Object.prototype && prototype !== null) {
      const kind = (object as { constructor?: { name?: string } }).constructor?.name ?? 'object';
      throw new SerializationError(path, `is a ${kind}, not a plain object`);
    }
    for (const key of Object.keys(object)) {
      const item = (object as Record<string, unknown>)[key];
      // An undefined property is how an absent optional field looks; JSON omits it.
      if (item !== undefined) checkJsonValue(item, `${path}.${key}`, ancestors);
    }
  }
  ancestors.pop();
}
