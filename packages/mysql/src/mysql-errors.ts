/** `ER_LOCK_DEADLOCK` (the transaction was rolled back) and `ER_LOCK_WAIT_TIMEOUT` (the statement was). */
const retryableErrors = new Set([1213, 1205]);

/** `ER_DUP_ENTRY`. */
const duplicateKey = 1062;

function errorNumber(error: unknown): number | undefined {
  const errno = (error as { errno?: unknown } | null)?.errno;
  return typeof errno === 'number' ? errno : undefined;
}

/**
 * Tells whether a driver error is a deadlock or a lock wait timeout: after
 * a `ROLLBACK` the same transaction may simply be tried again.
 *
 * @param error The driver's error.
 * @returns Whether retrying is safe and may succeed.
 */
export function isRetryableMysqlError(error: unknown): boolean {
  const errno = errorNumber(error);
  return errno !== undefined && retryableErrors.has(errno);
}

/**
 * Tells whether a driver error is a unique key violation.
 *
 * @param error The driver's error.
 * @returns Whether the statement hit a duplicate key.
 */
export function isDuplicateKeyError(error: unknown): boolean {
  return errorNumber(error) === duplicateKey;
}
