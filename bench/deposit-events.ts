/**
 * The events of the projector rows: deposits to accounts. The latency
 * worker (another process) reads the same registry.
 */
import { defineEvents, type EventStore } from '@factline/core';
import * as v from 'valibot';

/** The registry factline's stores use in the projector rows. */
export const depositEvents = defineEvents({
  Deposited: v.object({ account: v.string(), amount: v.number() }),
});

/** A store over {@link depositEvents}. */
export type DepositStore = EventStore<typeof depositEvents>;
