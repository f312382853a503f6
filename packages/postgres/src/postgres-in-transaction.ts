import { ProviderError, WorkFailure } from '@factline/core';
import { isRetryablePostgresError } from './postgres-errors.js';
import type { PostgresClient, PostgresPool } from './postgres-pool.js';

/** Where {@link inPostgresTransaction} runs, and what its errors name. */
export interface PostgresTransactionConfig {
  /** The pool the transaction takes a client of its own from. */
  readonly pool: PostgresPool;
  /** The provider's name, for errors. */
  readonly provider: string;
  /** The operation, for errors. */
  readonly operation: string;
  /**
   * How often a deadlock, serialization failure or lock timeout retries the
   * whole transaction, after its rollback; 0 (the default) never does.
   */
  readonly maxRetries?: number;
}

/** How a transaction's body ends it: committed or rolled back, and what it returns. */
export interface TransactionEnd<TResult> {
  readonly commit: boolean;
  readonly result: TResult;
}

/**
 * Runs `body` in a transaction on a client of its own: `BEGIN`, the body,
 * then `COMMIT` or `ROLLBACK` as it says. When anything throws, it rolls
 * back; a client whose connection broke is released with `release(true)`, so
 * the pool never reuses it (the server rolled back). A connection that
 * breaks while no query runs — during user work, say — is heard on the
 * client's `error` event, so it fails the next query instead of crashing
 * the process. Then what user work
 * threw (a {@link WorkFailure}) is rethrown as is, a `ProviderError` as it
 * is, a retryable error retries as `config` allows, and anything else is
 * wrapped in a `ProviderError` of `config.operation`.
 *
 * @param config The pool, the names for errors, and the retries.
 * @param body The transaction's statements; user work in it runs in `WorkFailure.run`.
 * @returns The result `body` ended with.
 */
export async function inPostgresTransaction<TResult>(
  config: PostgresTransactionConfig,
  body: (client: PostgresClient) => Promise<TransactionEnd<TResult>>,
): Promise<TResult> {
  const { pool, provider, operation, maxRetries = 0 } = config;
  for (let attempt = 0; ; attempt++) {
    let client: PostgresClient;
    try {
      client = await pool.connect();
    } catch (error) {
      throw new ProviderError(provider, operation, error);
    }
    // Heard while the client is ours: the query that comes next fails with it.
    client.on?.('error', ignoreConnectionError);
    const release = (broken?: true) => {
      client.removeListener?.('error', ignoreConnectionError);
      client.release(broken);
    };
    try {
      await client.query({ text: 'BEGIN' });
      const end = await body(client);
      await client.query({ text: end.commit ? 'COMMIT' : 'ROLLBACK' });
      release();
      return end.result;
    } catch (error) {
      try {
        await client.query({ text: 'ROLLBACK' });
        release();
      } catch {
        // The connection is broken: the server rolled back; the pool must not reuse it.
        release(true);
      }
      if (error instanceof WorkFailure) throw error.cause;
      if (error instanceof ProviderError) throw error;
      if (attempt < maxRetries && isRetryablePostgresError(error)) {
        await waitToRetry(attempt);
        continue;
      }
      throw new ProviderError(provider, operation, error);
    }
  }
}

/** A connection's error between queries. */
function ignoreConnectionError(): void {
  // Nothing to do here: the query that comes next fails with it, and the client is released broken.
}

/**
 * Waits before retrying after a deadlock or another retryable error: about
 * 5 ms, doubling with each attempt, jittered so that the writers that
 * collided do not collide again.
 *
 * @param attempt The attempt that just failed, counted from 0.
 * @returns When it is time to try again.
 */
export function waitToRetry(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 2 ** attempt * 5 * (0.5 + Math.random())));
}
