import { defineEvents, type EventStore, type Publication } from '@factline/core';
import * as v from 'valibot';

/**
 * The events the conformance suite writes: small ones, one whose schema can
 * fail, one that carries any value, and the writers' numbered ones.
 */
export const conformanceEvents = defineEvents({
  /** A plain event with a note. */
  Happened: v.object({ note: v.string() }),
  /** Fails validation for a negative or fractional count. */
  Counted: v.object({ count: v.pipe(v.number(), v.integer(), v.minValue(0)) }),
  /** Carries any value, so round trips and serialisation failures reach the store. */
  Carried: v.unknown(),
  /** Written by writer processes: which writer, which of its publications, which event in it. */
  Written: v.object({ writer: v.number(), sequence: v.number(), index: v.number() }),
});

/** The registry type of {@link conformanceEvents}. */
export type ConformanceEvents = typeof conformanceEvents;

/** An event store over the conformance events. */
export type ConformanceStore = EventStore<ConformanceEvents>;

/** A publication of conformance events. */
export type ConformancePublication = Publication<ConformanceEvents>;
