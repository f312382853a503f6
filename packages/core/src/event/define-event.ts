import type * as v from 'valibot';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import type { EventSchema } from './event-registry.js';

/**
 * Turns an event's details at one version into the next version's input.
 * It gets the details as they were stored (it may change them) and returns
 * what would have been written at the next version.
 */
export type Upcaster = (details: unknown) => unknown;

/**
 * An event whose details have changed shape over time: the schema new events
 * are written with, its version, and the upcasters that bring stored older
 * versions up to it on read. Create one with {@link defineEvent}.
 */
export interface VersionedEvent<TSchema extends EventSchema = EventSchema> {
  /** Tells a versioned event from a valibot schema in `defineEvents`. */
  readonly kind: 'versioned_event';
  /** The latest version's schema: what is written, and what readers get. */
  readonly schema: TSchema;
  /** The latest version, stored with every new event; versions count from 1. */
  readonly version: number;
  /**
   * The schema of each version by its number, where declared; `schemas[version]`
   * is always `schema`. An upcaster's result is parsed with the next version's
   * schema when it is known.
   */
  readonly schemas: Readonly<Record<number, EventSchema>>;
  /** `upcasters[n]` turns version `n` into version `n + 1`. */
  readonly upcasters: Readonly<Record<number, Upcaster>>;
}

/**
 * The upcasters between consecutive schemas of `TVersions`, keyed by the version
 * they read: `1` gets version 1's output and returns version 2's input, and so on.
 */
export type UpcasterChain<
  TVersions extends readonly EventSchema[],
  TCount extends unknown[] = [],
> = TVersions extends readonly [
  infer TFrom extends EventSchema,
  infer TTo extends EventSchema,
  ...infer TRest extends EventSchema[],
]
  ? {
      readonly [K in [...TCount, unknown]['length']]: (
        details: v.InferOutput<TFrom>,
      ) => v.InferInput<TTo>;
    } & UpcasterChain<readonly [TTo, ...TRest], [...TCount, unknown]>
  : Readonly<Record<never, never>>;

/** An evolved event declared with the schema of every version. */
export interface VersionsDeclaration<TVersions extends readonly [EventSchema, ...EventSchema[]]> {
  /** The schemas of versions 1, 2, …; the last is the one written. */
  readonly versions: TVersions;
  /** One upcaster per version but the last, type-checked against both schemas. */
  readonly upcasters: UpcasterChain<TVersions>;
}

/**
 * An upcaster whose stored details are typed by the author, or `unknown`
 * when not annotated (a method signature, so that an annotated parameter fits).
 */
type LooseUpcaster = { upcast(details: unknown): unknown }['upcast'];

/** An evolved event declared with its latest schema only. */
export interface LatestDeclaration<TSchema extends EventSchema> {
  /** The latest version's schema. */
  readonly schema: TSchema;
  /** The latest version: an integer from 1. */
  readonly version: number;
  /**
   * `upcasters[n]` turns version `n` into `n + 1`; only the last one's result
   * is checked (with `schema`). They run from the stored version up, so they
   * must reach `version - 1`; versions below the first have no way up.
   */
  readonly upcasters?: Readonly<Record<number, LooseUpcaster>>;
}

/**
 * Declares an event whose details have changed shape, for `defineEvents`.
 * New events are written at the latest version; stored events of an older
 * version are upcast through each version in turn when they are read.
 *
 * With `versions`, every upcaster is type-checked: it gets one version's
 * output and must return the next version's input. With `schema` and
 * `version`, you annotate the upcasters yourself and older schemas need
 * not be kept.
 *
 * @example
 * ```ts
 * const OrderPlaced = defineEvent({
 *   versions: [OrderPlacedV1, OrderPlacedV2],
 *   upcasters: { 1: ({ customer, ...rest }) => ({ ...rest, customerId: customer }) },
 * });
 * const events = defineEvents({ OrderPlaced, OrderShipped: v.object({ carrier: v.string() }) });
 * ```
 *
 * @param declaration The schemas of the versions and the upcasters between them.
 * @returns The versioned event.
 * @throws {InvalidArgumentError} When the versions or the upcasters do not form a chain.
 */
export function defineEvent<const TVersions extends readonly [EventSchema, ...EventSchema[]]>(
  declaration: VersionsDeclaration<TVersions>,
): VersionedEvent<
  TVersions extends readonly [...EventSchema[], infer TLast extends EventSchema]
    ? TLast
    : EventSchema
>;
/**
 * Declares an event whose details have changed shape, by its latest schema.
 *
 * @example
 * ```ts
 * const OrderPlaced = defineEvent({
 *   schema: OrderPlacedV2,
 *   version: 2,
 *   upcasters: { 1: ({ customer, ...rest }: { customer: string }) => ({ ...rest, customerId: customer }) },
 * });
 * ```
 *
 * @param declaration The latest schema, its version and the upcasters.
 * @returns The versioned event.
 * @throws {InvalidArgumentError} When the version or the upcasters do not form a chain.
 */
export function defineEvent<const TSchema extends EventSchema>(
  declaration: LatestDeclaration<TSchema>,
): VersionedEvent<TSchema>;
export function defineEvent(
  declaration:
    | VersionsDeclaration<readonly [EventSchema, ...EventSchema[]]>
    | LatestDeclaration<EventSchema>,
): VersionedEvent {
  const schemas: Record<number, EventSchema> = {};
  let version: number;
  let complete: boolean;
  if ('versions' in declaration) {
    const { versions } = declaration;
    if (!Array.isArray(versions) || versions.length === 0 || !versions.every(isSchema)) {
      throw new InvalidArgumentError(
        'defineEvent: `versions` must list the valibot schema of every version, oldest first.',
      );
    }
    versions.forEach((schema, index) => {
      schemas[index + 1] = schema;
    });
    version = versions.length;
    complete = true;
  } else {
    const { schema } = declaration;
    version = declaration.version;
    if (!isSchema(schema)) {
      throw new InvalidArgumentError('defineEvent: `schema` must be a valibot schema.');
    }
    if (!Number.isSafeInteger(version) || version < 1) {
      throw new InvalidArgumentError(
        `defineEvent: \`version\` must be an integer from 1; got ${String(version)}.`,
      );
    }
    schemas[version] = schema;
    complete = false;
  }
  const upcasters = checkUpcasters(declaration.upcasters ?? {}, version, complete);
  return Object.freeze({
    kind: 'versioned_event',
    schema: schemas[version] as EventSchema,
    version,
    schemas: Object.freeze(schemas),
    upcasters,
  });
}

/** Tells a versioned event from a valibot schema. */
export function isVersionedEvent(value: unknown): value is VersionedEvent {
  return (value as { kind?: unknown } | null)?.kind === 'versioned_event';
}

function isSchema(value: unknown): value is EventSchema {
  return (value as { kind?: unknown } | null)?.kind === 'schema';
}

/**
 * Checks that the upcasters form a chain ending at the latest version: every
 * key an integer below it, and no gap between the first key and it.
 */
function checkUpcasters(
  given: object,
  version: number,
  complete: boolean,
): Readonly<Record<number, Upcaster>> {
  const upcasters: Record<number, Upcaster> = {};
  for (const [key, upcaster] of Object.entries(given)) {
    const from = Number(key);
    if (!Number.isSafeInteger(from) || from < 1 || from >= version) {
      throw new InvalidArgumentError(
        `defineEvent: upcasters[${key}] is not a version below the latest (${version}); ` +
          'key each upcaster by the version it reads, from 1 to the latest - 1.',
      );
    }
    if (typeof upcaster !== 'function') {
      throw new InvalidArgumentError(`defineEvent: upcasters[${key}] must be a function.`);
    }
    upcasters[from] = upcaster as Upcaster;
  }
  const first = complete ? 1 : Math.min(version, ...Object.keys(upcasters).map(Number));
  for (let from = first; from < version; from++) {
    if (upcasters[from] === undefined) {
      throw new InvalidArgumentError(
        `defineEvent: upcasters[${from}] is missing; the upcasters must turn every version ` +
          `from ${first} into the next, up to the latest (${version}).`,
      );
    }
  }
  return Object.freeze(upcasters);
}
