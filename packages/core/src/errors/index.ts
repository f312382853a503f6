export {
  CheckpointMismatchError,
  type CheckpointMismatchFacts,
} from './checkpoint-mismatch-error.js';
export { ConcurrencyError } from './concurrency-error.js';
export { EntityTypeMismatchError } from './entity-type-mismatch-error.js';
export {
  FactlineError,
  type FactlineErrorCode,
  type FactlineErrorsByCode,
  isFactlineError,
} from './factline-error.js';
export { InlineProjectionError, type InlineProjectionFacts } from './inline-projection-error.js';
export { InvalidArgumentError } from './invalid-argument-error.js';
export { LeaseUnavailableError } from './lease-unavailable-error.js';
export { ProjectionFailedError, type ProjectionFailedFacts } from './projection-failed-error.js';
export { ProviderError } from './provider-error.js';
export { SerializationError } from './serialization-error.js';
export { UnknownEventError } from './unknown-event-error.js';
export { UpcastError, type UpcastErrorFacts, type UpcastFailure } from './upcast-error.js';
export { ValidationError } from './validation-error.js';
