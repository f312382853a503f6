/**
 * The events of the event-log rows (SQLite and the servers): one kind,
 * StockReceived, and the details of the n-th one, so that factline and the
 * raw driver write the same values.
 */
import {
  defineEvents,
  type EventInput,
  type EventStore,
  type ExpectedVersion,
  type Publication,
} from '@factline/core';
import * as v from 'valibot';

/** The registry factline's stores use in the event-log rows. */
export const stockEvents = defineEvents({
  StockReceived: v.object({
    sku: v.string(),
    quantity: v.pipe(v.number(), v.integer(), v.minValue(1)),
    warehouse: v.string(),
  }),
});

/** A store over {@link stockEvents}. */
export type StockStore = EventStore<typeof stockEvents>;

/** The details of the n-th event: the same values on both sides. */
export function detailsOf(n: number) {
  return { sku: `SKU-${n % 1000}`, quantity: 1 + (n % 7), warehouse: 'north' };
}

/**
 * A publication of events to one product, by the bench's actor, as the read
 * fixtures write them. The timed loops build theirs inline: a call of this
 * would be timed on factline's side only.
 *
 * @param id The product's id.
 * @param expectedVersion The version it must be at.
 * @param events Its events, in order.
 * @returns The publication, for `store.publish`.
 */
export function productPublication(
  id: string,
  expectedVersion: ExpectedVersion,
  events: readonly EventInput<typeof stockEvents>[],
): Publication<typeof stockEvents> {
  return { actor: 'user:bench', entities: [{ id, type: 'Product', expectedVersion, events }] };
}
