/** Every `code` a {@link FactlineError} can carry. */
export type FactlineErrorCode =
  | 'CONCURRENCY'
  | 'VALIDATION'
  | 'UNKNOWN_EVENT'
  | 'ENTITY_TYPE_MISMATCH'
  | 'SERIALIZATION'
  | 'INVALID_ARGUMENT'
  | 'PROVIDER';

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

const codes: ReadonlySet<string> = new Set<FactlineErrorCode>([
  'CONCURRENCY',
  'VALIDATION',
  'UNKNOWN_EVENT',
  'ENTITY_TYPE_MISMATCH',
  'SERIALIZATION',
  'INVALID_ARGUMENT',
  'PROVIDER',
]);

/**
 * Tells whether a value is a factline error, optionally of one code.
 *
 * Checks the shape, not the class, so it works across duplicate installs.
 *
 * @param error The value to check.
 * @param code When given, the code the error must have.
 * @returns Whether `error` is a factline error (of that code).
 */
export function isFactlineError(error: unknown, code?: FactlineErrorCode): error is FactlineError {
  if (!(error instanceof Error)) return false;
  const actual = (error as { code?: unknown }).code;
  if (typeof actual !== 'string' || !codes.has(actual)) return false;
  return code === undefined || actual === code;
}
