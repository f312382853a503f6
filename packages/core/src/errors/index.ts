export { ConcurrencyError } from './concurrency-error.js';
export { EntityTypeMismatchError } from './entity-type-mismatch-error.js';
export {
  FactlineError,
  type FactlineErrorCode,
  type FactlineErrorsByCode,
  isFactlineError,
} from './factline-error.js';
export { InvalidArgumentError } from './invalid-argument-error.js';
export { ProviderError } from './provider-error.js';
export { SerializationError } from './serialization-error.js';
export { UnknownEventError } from './unknown-event-error.js';
export { UpcastError, type UpcastErrorFacts, type UpcastFailure } from './upcast-error.js';
export { ValidationError } from './validation-error.js';
