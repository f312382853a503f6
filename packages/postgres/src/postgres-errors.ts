/** SQLSTATEs after which the same transaction may simply be tried again. */
const retryableCodes = new Set(['40P01', '40001', '55P03']);

/**
 * Tells whether a driver error is a deadlock, serialization failure or lock
 * timeout: the transaction was rolled back and may be retried as it was.
 *
 * @param error The driver's error.
 * @returns Whether retrying is safe and may succeed.
 */
export function isRetryablePostgresError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && retryableCodes.has(code);
}
