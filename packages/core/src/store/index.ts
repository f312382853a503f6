export { contiguousPrefix } from './contiguous-prefix.js';
export type { EventPage } from './event-page.js';
export {
  EventStore,
  type EventStoreConfig,
  type PublishedListener,
  type ReadAllOptions,
  type ReadEntityOptions,
} from './event-store.js';
export type { FoldEvent } from './fold-event.js';
export type { InlineHandlers, InlineProjection } from './inline-projection.js';
export { maxEntityIdLength } from './prepare-publication.js';
export type { EntityChange, Publication, PublishResult } from './publication.js';
export type { Snapshot, SnapshotInput } from './snapshot.js';
export type {
  EventMetadata,
  StoredEvent,
  StoredEventBase,
  StoredEventNamed,
} from './stored-event.js';
