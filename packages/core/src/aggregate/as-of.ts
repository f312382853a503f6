/**
 * A point in an aggregate's past to load it at — exactly one of:
 * - `version`: the state after the event with this ordinal;
 * - `position`: the state after every event at a position up to this one;
 * - `time`: the state after every event stamped at or before this time.
 *
 * An aggregate loaded as of a point is read-only.
 */
export type AsOf =
  | { readonly version: number; readonly position?: never; readonly time?: never }
  | { readonly position: number; readonly version?: never; readonly time?: never }
  | { readonly time: Date; readonly version?: never; readonly position?: never };

/**
 * Describes a point in the past for messages, e.g. `version 3`.
 *
 * @param asOf The point.
 * @returns A short description.
 */
export function describeAsOf(asOf: AsOf): string {
  if (asOf.version !== undefined) return `version ${asOf.version}`;
  if (asOf.position !== undefined) return `position ${asOf.position}`;
  return `time ${asOf.time.toISOString()}`;
}
