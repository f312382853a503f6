import type { ConcurrencyError } from '../errors/concurrency-error.js';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';

/**
 * How `Repository.update` runs a command again when another writer changed
 * the aggregate between its load and its save.
 */
export interface RetryPolicy {
  /** How many times to run the command again after a conflict (default 3); 0 never retries. */
  readonly retries?: number;
  /** The longest first wait, in milliseconds (default 10); it doubles on each retry. */
  readonly baseDelay?: number;
  /** The longest wait, in milliseconds (default 250). */
  readonly maxDelay?: number;
  /** Called with each conflict that will be retried, before the wait. */
  readonly onConflict?: (error: ConcurrencyError, attempt: number) => void;
}

/** A retry policy with its defaults filled in. */
export type ResolvedRetryPolicy = Required<Omit<RetryPolicy, 'onConflict'>> &
  Pick<RetryPolicy, 'onConflict'>;

const defaults = { retries: 3, baseDelay: 10, maxDelay: 250 } as const;

/**
 * Checks a retry policy and fills in its defaults.
 *
 * @param policy The policy, or layers of it: later ones win.
 * @returns The policy, complete.
 * @throws {InvalidArgumentError} A count or delay is negative or not a number.
 */
export function resolveRetryPolicy(...policies: (RetryPolicy | undefined)[]): ResolvedRetryPolicy {
  const resolved: ResolvedRetryPolicy = Object.assign({ ...defaults }, ...policies);
  if (!Number.isSafeInteger(resolved.retries) || resolved.retries < 0) {
    throw new InvalidArgumentError(
      `retry.retries must be an integer >= 0; got ${String(resolved.retries)}.`,
    );
  }
  for (const name of ['baseDelay', 'maxDelay'] as const) {
    if (!Number.isFinite(resolved[name]) || resolved[name] < 0) {
      throw new InvalidArgumentError(
        `retry.${name} must be a number of milliseconds >= 0; got ${String(resolved[name])}.`,
      );
    }
  }
  return resolved;
}

/**
 * How long to wait before a retry: a random time up to an exponentially
 * growing cap ("full jitter"), so that writers that collided once spread out
 * instead of colliding again.
 *
 * @param retry Which retry this is: 1 for the first.
 * @param policy The resolved policy.
 * @param random A source of numbers in [0, 1).
 * @returns Milliseconds to wait.
 */
export function backoffDelay(
  retry: number,
  policy: ResolvedRetryPolicy,
  random: () => number = Math.random,
): number {
  const cap = Math.min(policy.maxDelay, policy.baseDelay * 2 ** (retry - 1));
  return random() * cap;
}
