export { distinctCommandIds } from './distinct-command-ids.js';
export { GroupCommitter, type GroupCommitterConfig } from './group-committer.js';
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
  SnapshotRow,
} from './provider.js';
