import type { AggregateNotFoundError } from '../aggregate/aggregate-not-found-error.js';
import type { ReadOnlyAggregateError } from '../aggregate/read-only-aggregate-error.js';
import type { UnhandledEventError } from '../aggregate/unhandled-event-error.js';
import type { CheckpointMismatchError } from './checkpoint-mismatch-error.js';
import type { ConcurrencyError } from './concurrency-error.js';
import type { EntityTypeMismatchError } from './entity-type-mismatch-error.js';
import type { InlineProjectionError } from './inline-projection-error.js';
import type { InvalidArgumentError } from './invalid-argument-error.js';
import type { LeaseUnavailableError } from './lease-unavailable-error.js';
import type { ProjectionFailedError } from './projection-failed-error.js';
import type { ProviderError } from './provider-error.js';
import type { SerializationError } from './serialization-error.js';
import type { UnknownEventError } from './unknown-event-error.js';
import type { UpcastError } from './upcast-error.js';
import type { ValidationError } from './validation-error.js';

/** Every `code` a {@link FactlineError} can carry. */
export type FactlineErrorCode =
  | 'CONCURRENCY'
  | 'VALIDATION'
  | 'UNKNOWN_EVENT'
  | 'ENTITY_TYPE_MISMATCH'
  | 'SERIALIZATION'
  | 'INVALID_ARGUMENT'
  | 'PROVIDER'
  | 'UNHANDLED_EVENT'
  | 'AGGREGATE_NOT_FOUND'
  | 'READ_ONLY_AGGREGATE'
  | 'UPCAST'
  | 'PROJECTION_FAILED'
  | 'CHECKPOINT_MISMATCH'
  | 'LEASE_UNAVAILABLE'
  | 'INLINE_PROJECTION';

/**
 * The base of every error factline throws.
 *
 * Check errors with {@link isFactlineError} rather than `instanceof`: two
 * installed copies of `@factline/core` still agree on the `code`.
 */
export class FactlineError extends Error {
  /** What went wrong, as a stable string to branch on. */
  readonly code: FactlineErrorCode;

  /**
   * @param code The error's stable code.
   * @param message What happened, and what to do about it.
   * @param options `cause`, the error this one wraps.
   */
  constructor(code: FactlineErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The error class behind each code, so a check by code narrows to it. */
export interface FactlineErrorsByCode {
  CONCURRENCY: ConcurrencyError;
  VALIDATION: ValidationError;
  UNKNOWN_EVENT: UnknownEventError;
  ENTITY_TYPE_MISMATCH: EntityTypeMismatchError;
  SERIALIZATION: SerializationError;
  INVALID_ARGUMENT: InvalidArgumentError;
  PROVIDER: ProviderError;
  UNHANDLED_EVENT: UnhandledEventError;
  AGGREGATE_NOT_FOUND: AggregateNotFoundError;
  READ_ONLY_AGGREGATE: ReadOnlyAggregateError;
  UPCAST: UpcastError;
  PROJECTION_FAILED: ProjectionFailedError;
  CHECKPOINT_MISMATCH: CheckpointMismatchError;
  LEASE_UNAVAILABLE: LeaseUnavailableError;
  INLINE_PROJECTION: InlineProjectionError;
}

const codes: ReadonlySet<string> = new Set<FactlineErrorCode>([
  'CONCURRENCY',
  'VALIDATION',
  'UNKNOWN_EVENT',
  'ENTITY_TYPE_MISMATCH',
  'SERIALIZATION',
  'INVALID_ARGUMENT',
  'PROVIDER',
  'UNHANDLED_EVENT',
  'AGGREGATE_NOT_FOUND',
  'READ_ONLY_AGGREGATE',
  'UPCAST',
  'PROJECTION_FAILED',
  'CHECKPOINT_MISMATCH',
  'LEASE_UNAVAILABLE',
  'INLINE_PROJECTION',
]);

/**
 * Tells whether a value is a factline error, optionally of one code.
 *
 * Checks the shape, not the class, so it works across duplicate installs.
 * With a code it narrows to that error's class:
 * `if (isFactlineError(error, 'CONCURRENCY')) error.actualVersion`.
 *
 * @param error The value to check.
 * @param code When given, the code the error must have.
 * @returns Whether `error` is a factline error (of that code).
 */
export function isFactlineError<TCode extends FactlineErrorCode>(
  error: unknown,
  code: TCode,
): error is FactlineErrorsByCode[TCode];
export function isFactlineError(error: unknown): error is FactlineError;
export function isFactlineError(error: unknown, code?: FactlineErrorCode): error is FactlineError {
  if (!(error instanceof Error)) return false;
  const actual = (error as { code?: unknown }).code;
  if (typeof actual !== 'string' || !codes.has(actual)) return false;
  return code === undefined || actual === code;
}
