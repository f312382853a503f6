import { ProviderError, WorkFailure } from '@factline/core';
import type { MysqlPool, MysqlPoolConnection } from './mysql-pool.js';

/** Where {@link inMysqlTransaction} runs, what its errors name, and which retry. */
export interface MysqlTransactionConfig {
  /** The pool the transaction takes a connection of its own from. */
  readonly pool: MysqlPool;
  /** The provider's name, for errors. */
  readonly provider: string;
  /** The operation, for errors. */
  readonly operation: string;
  /** How often a retryable error retries the whole transaction, after its rollback. */
  readonly maxRetries: number;
  /** Which errors retry: after them the same transaction may simply run again. */
  readonly retryable: (error: unknown) => boolean;
}

/** How a transaction's body ends it: committed or rolled back, and what it returns. */
export interface TransactionEnd<TResult> {
  readonly commit: boolean;
  readonly result: TResult;
}

/**
 * Runs `body` in a transaction on a connection of its own, then `COMMIT` or
 * `ROLLBACK` as it says. The body opens the transaction itself: with
 * `START TRANSACTION`, or with a CALL of the publish procedure, which leaves
 * its transaction open. When anything throws, it rolls back; a connection
 * that cannot is destroyed, so the server rolls back and the pool never
 * reuses it. Then what user work threw (a {@link WorkFailure}) is rethrown
 * as is, an error `config.retryable` accepts retries up to
 * `config.maxRetries` times, and anything else is wrapped in a
 * `ProviderError` of `config.operation`.
 *
 * @param config The pool, the names for errors, and the retries.
 * @param body The transaction's statements; user work in it runs in `WorkFailure.run`.
 * @returns The result `body` ended with.
 */
export async function inMysqlTransaction<TResult>(
  config: MysqlTransactionConfig,
  body: (connection: MysqlPoolConnection) => Promise<TransactionEnd<TResult>>,
): Promise<TResult> {
  const { pool, provider, operation, maxRetries, retryable } = config;
  for (let attempt = 0; ; attempt++) {
    let connection: MysqlPoolConnection;
    try {
      connection = await pool.getConnection();
    } catch (error) {
      throw new ProviderError(provider, operation, error);
    }
    try {
      const end = await body(connection);
      await connection.query(end.commit ? 'COMMIT' : 'ROLLBACK');
      connection.release();
      return end.result;
    } catch (error) {
      try {
        await connection.query('ROLLBACK');
        connection.release();
      } catch {
        // Broken: closing it makes the server roll back, and the pool never reuses it.
        connection.destroy();
      }
      if (error instanceof WorkFailure) throw error.cause;
      if (retryable(error) && attempt < maxRetries) {
        await waitToRetry(attempt);
        continue;
      }
      throw new ProviderError(provider, operation, error);
    }
  }
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
