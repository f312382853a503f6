export type {
  AggregateClass,
  AnyAggregateRoot,
  HandledEventName,
  RegistryOf,
} from './aggregate-class.js';
export type { AggregateEvent, AggregateHandler, AggregateHandlers } from './aggregate-handlers.js';
export { AggregateNotFoundError } from './aggregate-not-found-error.js';
export { AggregateRoot, type RaisedDetails } from './aggregate-root.js';
export type { AsOf } from './as-of.js';
export type { CommandResult } from './command-result.js';
export {
  type AggregateStart,
  type FoldAggregateOptions,
  foldAggregate,
  type HistoryEvent,
} from './fold-aggregate.js';
export type { LoadOptions } from './load-options.js';
export type { PendingEvent } from './pending-event.js';
export { ReadOnlyAggregateError } from './read-only-aggregate-error.js';
export { type AggregateOf, Repository, type UpdateOptions } from './repository.js';
export type { RepositoryConfig } from './repository-config.js';
export { retryOnConflict } from './retry-on-conflict.js';
export type { RetryPolicy } from './retry-policy.js';
export type { SaveOptions } from './save-options.js';
export type { SaveAllResult, SaveResult } from './save-result.js';
export type { SnapshotFailure, SnapshotPolicy, Snapshottable } from './snapshot-policy.js';
export { UnhandledEventError } from './unhandled-event-error.js';
