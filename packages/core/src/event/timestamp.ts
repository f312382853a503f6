const millisecondsPerDay = 86_400_000;

/**
 * Converts a time to the protocol's unit: fractional days since the Unix epoch.
 *
 * @param date The time.
 * @returns Days since 1970-01-01T00:00:00Z.
 */
export function toProtocolTimestamp(date: Date): number {
  return date.getTime() / millisecondsPerDay;
}

/**
 * Converts the protocol's fractional days back to a time, to the millisecond.
 *
 * @param days Days since the Unix epoch.
 * @returns The time.
 */
export function fromProtocolTimestamp(days: number): Date {
  return new Date(Math.round(days * millisecondsPerDay));
}
