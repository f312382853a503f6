import * as v from 'valibot';
import { UnknownEventError } from '../errors/unknown-event-error.js';
import { UpcastError } from '../errors/upcast-error.js';
import { ValidationError } from '../errors/validation-error.js';
import { isVersionedEvent, type VersionedEvent } from './define-event.js';
import { detailsJsonSchema, type JsonSchema, type JsonSchemaOptions } from './json-schema-of.js';

/** A synchronous valibot schema for one event's details. */
export type EventSchema = v.GenericSchema;

/** One event in `defineEvents`: a schema (version 1), or a {@link VersionedEvent}. */
export type EventDefinition = EventSchema | VersionedEvent;

/** Event names mapped to their definitions. */
export type EventDefinitions = Readonly<Record<string, EventDefinition>>;

/** Event names mapped to their definitions; the same as {@link EventDefinitions}. */
export type EventSchemas = EventDefinitions;

/** The latest schema of a definition: the schema itself, or a versioned event's `schema`. */
export type SchemaOf<TDefinition> =
  TDefinition extends VersionedEvent<infer TSchema>
    ? TSchema
    : TDefinition extends EventSchema
      ? TDefinition
      : never;

/** Where a stored event came from, to name it in an {@link UpcastError}. */
export interface UpcastOrigin {
  /** The event's id. */
  readonly id: string;
  /** The event's entity. */
  readonly entityId: string;
}

/** One event's JSON Schema, from {@link EventRegistry.toJsonSchema}. */
export interface EventJsonSchema {
  /** The version the schema describes: the one new events are written at. */
  readonly version: number;
  /** A JSON Schema (draft 2020-12) of the details as they are stored. */
  readonly schema: JsonSchema;
}

/** What the registry knows of one event name. */
interface EventEntry {
  readonly schema: EventSchema;
  readonly version: number;
  readonly schemas: Readonly<Record<number, EventSchema>>;
  readonly upcasters: VersionedEvent['upcasters'];
}

/**
 * The events a store may write and read, each with a valibot schema and, once
 * it has evolved, a version and the upcasters from older versions.
 * Create one with {@link defineEvents}.
 */
export class EventRegistry<TDefinitions extends EventDefinitions = EventDefinitions> {
  /** The definitions, by event name, as given to `defineEvents`. */
  readonly definitions: TDefinitions;
  /** The declared event names. */
  readonly names: readonly string[];
  /**
   * The version each declared event is written at, by name; `undefined` for
   * a name the registry does not declare (the record has no prototype).
   */
  readonly schemaVersions: Readonly<Partial<Record<string, number>>>;
  readonly #entries: Readonly<Partial<Record<string, EventEntry>>>;

  /**
   * @param definitions The definitions, by event name.
   */
  constructor(definitions: TDefinitions) {
    this.definitions = definitions;
    this.names = Object.keys(definitions);
    const entries: Record<string, EventEntry> = Object.create(null);
    const versions: Record<string, number> = Object.create(null);
    for (const name of this.names) {
      const definition = definitions[name] as EventDefinition;
      const entry: EventEntry = isVersionedEvent(definition)
        ? definition
        : { schema: definition, version: 1, schemas: { 1: definition }, upcasters: {} };
      entries[name] = entry;
      versions[name] = entry.version;
    }
    this.#entries = entries;
    this.schemaVersions = Object.freeze(versions);
  }

  /**
   * Tells whether an event name is declared.
   *
   * @param name The name to check.
   * @returns Whether the registry declares it.
   */
  has(name: string): boolean {
    return this.#entries[name] !== undefined;
  }

  /**
   * The schema an event is written and read with: its latest version's.
   *
   * @param name A declared event name.
   * @returns The valibot schema.
   * @throws {UnknownEventError} When the name is not declared.
   */
  schema<TName extends keyof TDefinitions & string>(name: TName): SchemaOf<TDefinitions[TName]>;
  schema(name: string): EventSchema;
  schema(name: string): EventSchema {
    return this.#entry(name).schema;
  }

  /**
   * Validates details against their event's (latest) schema.
   *
   * @param name The event name.
   * @param details The details to check.
   * @param entityId The entity, for the error message.
   * @returns The schema's output (defaults applied, unknown keys dropped).
   * @throws {UnknownEventError} When the name is not declared.
   * @throws {ValidationError} When the details do not match.
   */
  validate(name: string, details: unknown, entityId: string): unknown {
    const result = v.safeParse(this.#entry(name).schema, details);
    if (!result.success) throw new ValidationError(name, entityId, result.issues);
    return result.output;
  }

  /**
   * The schema version new events of this name are written at.
   *
   * @param name A declared event name.
   * @returns The latest version: 1 until the event has evolved.
   * @throws {UnknownEventError} When the name is not declared.
   */
  schemaVersion(name: string): number {
    return this.#entry(name).version;
  }

  /**
   * Brings details stored at an older version of their event up to the
   * latest: each upcaster in turn from the stored version, each result parsed
   * with the next version's schema where it is known — always with the
   * latest, so what comes out is the latest schema's output. The store calls
   * it on read; call it yourself to test an upcaster, or to read rows of your own.
   *
   * @param name A declared event name.
   * @param storedVersion The version the details were written at.
   * @param details The stored details, parsed from JSON; upcasters may change them.
   * @param origin The stored event, to name it in an error.
   * @returns The details in the latest version's shape; `details` itself at the latest version.
   * @throws {UnknownEventError} When the name is not declared.
   * @throws {UpcastError} When the version is unknown, an upcaster is missing or
   *   throws, or its result fails the next version's schema.
   */
  upcast(name: string, storedVersion: number, details: unknown, origin?: UpcastOrigin): unknown {
    const entry = this.#entry(name);
    const latestVersion = entry.version;
    if (storedVersion === latestVersion) return details;
    const facts = {
      eventName: name,
      storedVersion,
      latestVersion,
      eventId: origin?.id,
      entityId: origin?.entityId,
    };
    if (
      !Number.isSafeInteger(storedVersion) ||
      storedVersion < 1 ||
      storedVersion > latestVersion
    ) {
      throw new UpcastError({ ...facts, failure: 'unknown-version' });
    }
    let value = details;
    for (let fromVersion = storedVersion; fromVersion < latestVersion; fromVersion++) {
      const upcaster = entry.upcasters[fromVersion];
      if (upcaster === undefined) {
        throw new UpcastError({ ...facts, failure: 'missing-upcaster', fromVersion });
      }
      try {
        value = upcaster(value);
      } catch (cause) {
        throw new UpcastError({ ...facts, failure: 'upcaster-threw', fromVersion, cause });
      }
      const schema = entry.schemas[fromVersion + 1];
      if (schema !== undefined) {
        const result = v.safeParse(schema, value);
        if (!result.success) {
          throw new UpcastError({
            ...facts,
            failure: 'invalid-result',
            fromVersion,
            issues: result.issues,
          });
        }
        value = result.output;
      }
    }
    return value;
  }

  /**
   * Describes every event's details as JSON Schema (draft 2020-12), for
   * programs in other languages that read or write the same events.
   *
   * Each schema describes the details as they are stored at the latest
   * version — the schema's output: a field with a default is required,
   * `v.object` allows other keys (consumers must tolerate fields added later),
   * `v.strictObject` does not. A check or transform JSON Schema cannot express
   * throws, unless `bestEffort` is set (see {@link JsonSchemaOptions}).
   *
   * @example
   * ```ts
   * writeFileSync('events.schema.json', JSON.stringify(events.toJsonSchema(), null, 2));
   * // { "ProductAdded": { "version": 1, "schema": { "$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object", … } } }
   * ```
   *
   * @param options `bestEffort`: loosen what cannot be expressed instead of throwing.
   * @returns Per event name, its version and the JSON Schema of its details.
   * @throws {InvalidArgumentError} When a schema has a part JSON Schema cannot
   *   express and `bestEffort` is not set; the message names the event and the path.
   */
  toJsonSchema(options: JsonSchemaOptions = {}): {
    readonly [TName in keyof TDefinitions & string]: EventJsonSchema;
  } {
    const result: Record<string, EventJsonSchema> = {};
    for (const name of this.names) {
      const { schema, version } = this.#entry(name);
      result[name] = { version, schema: detailsJsonSchema(schema, options, name) };
    }
    return result as { readonly [TName in keyof TDefinitions & string]: EventJsonSchema };
  }

  #entry(name: string): EventEntry {
    const entry = this.#entries[name];
    if (entry === undefined) throw new UnknownEventError(name, this.names);
    return entry;
  }
}

/**
 * Declares the events of an application, each with a valibot schema for its
 * details — or, for an event whose details have changed shape, with
 * {@link defineEvent}. Event names and details types are inferred from it,
 * so a wrong name or field is a compile error.
 *
 * @example
 * ```ts
 * const events = defineEvents({
 *   ProductCreated: v.object({ sku: v.string(), name: v.string() }),
 *   StockReceived: v.object({ quantity: v.pipe(v.number(), v.integer(), v.minValue(1)) }),
 *   OrderPlaced: defineEvent({ versions: [OrderPlacedV1, OrderPlacedV2], upcasters: { 1: upcastOrderPlaced } }),
 * });
 * ```
 *
 * @param definitions Event names mapped to their schemas or versioned events.
 * @returns The registry to give an `EventStore`.
 */
export function defineEvents<const TDefinitions extends EventDefinitions>(
  definitions: TDefinitions,
): EventRegistry<TDefinitions> {
  return new EventRegistry(definitions);
}

/** The definitions of a registry, by event name. */
export type SchemasOf<TRegistry> = TRegistry extends EventRegistry<infer S> ? S : never;

/** The event names a registry declares. */
export type EventName<TRegistry> = keyof SchemasOf<TRegistry> & string;

/** An event as it is written: its name and the latest schema's input. */
export type EventInput<TRegistry> = {
  [K in EventName<TRegistry>]: {
    readonly name: K;
    readonly details: v.InferInput<SchemaOf<SchemasOf<TRegistry>[K]>>;
  };
}[EventName<TRegistry>];

/** The details of one event as they are read: the latest schema's output. */
export type EventDetails<TRegistry, TName extends EventName<TRegistry>> = v.InferOutput<
  SchemaOf<SchemasOf<TRegistry>[TName]>
>;
