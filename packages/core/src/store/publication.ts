import type { EventInput } from '../event/event-registry.js';
import type { EntityVersion, ExpectedVersion } from '../provider/provider.js';
import type { EventMetadata } from './stored-event.js';

/** The events one entity gets in a publication. */
export interface EntityChange<TRegistry> {
  /** The entity's id, unique across all types (at most 255 characters). */
  readonly id: string;
  /** The entity's type, e.g. `Order`; checked against the stored type. */
  readonly type: string;
  /** The version the entity must be at: a number, `'new'`, or `'any'` (no check). */
  readonly expectedVersion: ExpectedVersion;
  /** The events, in order; at least one. */
  readonly events: readonly EventInput<TRegistry>[];
}

/**
 * One atomic write of events for one or more entities. All of its events get
 * one position; it is written whole or not at all.
 */
export interface Publication<TRegistry> extends EventMetadata {
  /** Who causes the events: a user, a service, a job. Required for the audit trail. */
  readonly actor: string;
  readonly entities: readonly EntityChange<TRegistry>[];
}

/** What a publication did. */
export interface PublishResult {
  /** The position all of its events share. */
  readonly position: number;
  /** Each entity's version after it, in publication order. */
  readonly versions: readonly EntityVersion[];
  /** `true` when the command id was seen before: nothing was written now, this is the first result. */
  readonly duplicate: boolean;
}
