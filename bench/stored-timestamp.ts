/**
 * The tables keep an event's timestamp as days since the epoch (a float), as
 * the providers write it; the raw writers and readers convert the same way.
 */
/** Milliseconds in a day: a stored timestamp is `millis / millisecondsPerDay`. */
export const millisecondsPerDay = 86_400_000;
