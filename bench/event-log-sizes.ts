/**
 * The sizes of the event-log rows that SQLite and the servers have in
 * common — appends, and reads of one fixture — so that every section sizes
 * them alike.
 */

/** 10,000 events per write row and per read of one entity. */
export const eventCount = 10_000;
/** Write rows spread publications round-robin over this many entities. */
export const entityCount = 100;
/** Events of an append row's warm-up trial: smaller, as the full one is slow. */
export const appendWarmupEventCount = 2_000;
/** The entities of the write rows and of the read fixture's one-event publications. */
export const entityIds = Array.from({ length: entityCount }, (_, index) => `product-${index}`);

/** A count as the row names and notes print it: `10,000`. */
export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}
