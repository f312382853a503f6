import { FactlineError } from './factline-error.js';

/**
 * The database failed (connection lost, disk full, a lock timeout…). The
 * driver's error is the `cause`. A publication that fails this way was
 * either written whole or not at all; `getEntity` tells which.
 */
export class ProviderError extends FactlineError {
  /** The provider that failed, e.g. `sqlite`. */
  readonly provider: string;
  /** What the provider was doing, e.g. `publish`. */
  readonly operation: string;

  /**
   * @param provider The provider that failed.
   * @param operation What it was doing.
   * @param cause The driver's error.
   */
  constructor(provider: string, operation: string, cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super(
      'PROVIDER',
      `The ${provider} database failed during ${operation}: ${reason}. ` +
        'Check the connection and the database; retrying is safe for reads and for publications with a command id.',
      { cause },
    );
    this.provider = provider;
    this.operation = operation;
  }
}
