/** `ER_LOCK_DEADLOCK` (the transaction was rolled back) and `ER_LOCK_WAIT_TIMEOUT` (the statement was). */
const retryableErrors = new Set([1213, 1205]);

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

/** `ER_SP_DOES_NOT_EXIST`. */
const missingProcedure = 1305;

/**
 * Tells whether a driver error says a stored procedure does not exist: a
 * migration is replacing it (drop, then create), or none has run.
 *
 * @param error The driver's error.
 * @returns Whether the procedure was missing.
 */
export function isMissingProcedureError(error: unknown): boolean {
  return errorNumber(error) === missingProcedure;
}

/** `ER_DUP_ENTRY`. */
const duplicateKey = 1062;

/**
 * Tells whether a driver error is a duplicate key: a row with that key
 * exists (or another transaction inserted one and committed).
 *
 * @param error The driver's error.
 * @returns Whether the statement hit a unique key.
 */
export function isDuplicateKeyError(error: unknown): boolean {
  return errorNumber(error) === duplicateKey;
}
