export type {
  EntityRow,
  EntityVersion,
  EntityWrite,
  EventRecord,
  EventRow,
  ExpectedVersion,
  Provider,
  PublicationRecord,
  PublishOutcome,
} from './provider.js';
