import * as v from 'valibot';
import { UnknownEventError } from '../errors/unknown-event-error.js';
import { ValidationError } from '../errors/validation-error.js';

/** A synchronous valibot schema for one event's details. */
export type EventSchema = v.GenericSchema;

/** Event names mapped to the schemas of their details. */
export type EventSchemas = Readonly<Record<string, EventSchema>>;

/**
 * The events a store may write and read, each with a valibot schema.
 * Create one with {@link defineEvents}.
 */
export class EventRegistry<TSchemas extends EventSchemas = EventSchemas> {
  /** The schemas, by event name. */
  readonly schemas: TSchemas;
  /** The declared event names. */
  readonly names: readonly string[];

  /**
   * @param schemas The schemas, by event name.
   */
  constructor(schemas: TSchemas) {
    this.schemas = schemas;
    this.names = Object.keys(schemas);
  }

  /**
   * Tells whether an event name is declared.
   *
   * @param name The name to check.
   * @returns Whether the registry declares it.
   */
  has(name: string): boolean {
    return Object.hasOwn(this.schemas, name);
  }

  /**
   * Validates details against their event's schema.
   *
   * @param name The event name.
   * @param details The details to check.
   * @param entityId The entity, for the error message.
   * @returns The schema's output (defaults applied, unknown keys dropped).
   * @throws {UnknownEventError} When the name is not declared.
   * @throws {ValidationError} When the details do not match.
   */
  validate(name: string, details: unknown, entityId: string): unknown {
    if (!this.has(name)) throw new UnknownEventError(name, this.names);
    const result = v.safeParse(this.schemas[name] as EventSchema, details);
    if (!result.success) throw new ValidationError(name, entityId, result.issues);
    return result.output;
  }

  /**
   * The schema version new events of this name are written at.
   *
   * @param name A declared event name.
   * @returns The version, 1 until the event has evolved.
   */
  schemaVersion(_name: string): number {
    return 1;
  }
}

/**
 * Declares the events of an application, each with a valibot schema for its
 * details. Event names and details types are inferred from it, so a wrong
 * name or field is a compile error.
 *
 * @example
 * ```ts
 * const events = defineEvents({
 *   ProductCreated: v.object({ sku: v.string(), name: v.string() }),
 *   StockReceived: v.object({ quantity: v.pipe(v.number(), v.integer(), v.minValue(1)) }),
 * });
 * ```
 *
 * @param schemas Event names mapped to the schemas of their details.
 * @returns The registry to give an `EventStore`.
 */
export function defineEvents<const TSchemas extends EventSchemas>(
  schemas: TSchemas,
): EventRegistry<TSchemas> {
  return new EventRegistry(schemas);
}

/** The schemas of a registry. */
export type SchemasOf<TRegistry> = TRegistry extends EventRegistry<infer S> ? S : never;

/** The event names a registry declares. */
export type EventName<TRegistry> = keyof SchemasOf<TRegistry> & string;

/** An event as it is written: its name and the schema's input. */
export type EventInput<TRegistry> = {
  [K in EventName<TRegistry>]: {
    readonly name: K;
    readonly details: v.InferInput<SchemasOf<TRegistry>[K]>;
  };
}[EventName<TRegistry>];

/** The details of one event as they are read: the schema's output. */
export type EventDetails<TRegistry, TName extends EventName<TRegistry>> = v.InferOutput<
  SchemasOf<TRegistry>[TName]
>;
