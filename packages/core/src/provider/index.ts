export { distinctCommandIds } from './distinct-command-ids.js';
export { GroupCommitter, type GroupCommitterConfig } from './group-committer.js';
export type {
  CheckpointKey,
  CheckpointRow,
  CheckpointUpdate,
  LeaseRequest,
  ProjectionStorage,
  TransactionWork,
} from './projection-storage.js';
export type {
  EntityRow,
  EntityVersion,
  EntityWrite,
  EventRecord,
  EventRow,
  ExpectedVersion,
  FoldRow,
  PackedEventRow,
  Provider,
  PublicationRecord,
  PublicationWork,
  PublishOutcome,
  SnapshotAndTailRows,
  SnapshotRow,
} from './provider.js';
export { WorkFailure } from './work-failure.js';
