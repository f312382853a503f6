import type { EntityChange, EventInput, ExpectedVersion } from '@factline/core';
import type { ConformanceEvents, ConformancePublication } from './conformance-events.js';

/** The actor of the suite's publications, unless a test is about actors. */
export const conformanceActor = 'conformance:suite';

/**
 * A `Happened` event.
 *
 * @param note What it says.
 * @returns The event.
 */
export function happened(note: string): EventInput<ConformanceEvents> {
  return { name: 'Happened', details: { note } };
}

/**
 * One entity's part of a publication.
 *
 * @param id The entity.
 * @param expectedVersion The version it must be at.
 * @param events Its events, or notes for `Happened` events.
 * @param type Its type (default `Thing`).
 * @returns The change.
 */
export function change(
  id: string,
  expectedVersion: ExpectedVersion,
  events: readonly (string | EventInput<ConformanceEvents>)[],
  type = 'Thing',
): EntityChange<ConformanceEvents> {
  return {
    id,
    type,
    expectedVersion,
    events: events.map((event) => (typeof event === 'string' ? happened(event) : event)),
  };
}

/**
 * A publication by the suite's actor.
 *
 * @param changes The entities and their events.
 * @param extra Metadata, or another actor.
 * @returns The publication.
 */
export function publication(
  changes: readonly EntityChange<ConformanceEvents>[],
  extra: Partial<Omit<ConformancePublication, 'entities'>> = {},
): ConformancePublication {
  return { actor: conformanceActor, ...extra, entities: changes };
}
