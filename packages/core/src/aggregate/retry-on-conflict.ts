import { isFactlineError } from '../errors/factline-error.js';
import { backoffDelay, type RetryPolicy, resolveRetryPolicy } from './retry-policy.js';

/**
 * Runs a command again, from its reads, while it fails with a
 * `ConcurrencyError`: what `Repository.update` does for one aggregate, for
 * a command of your own — one that saves several aggregates with
 * `saveAll`, say. Each conflict means another writer's publication got in
 * first, so every round makes progress; the random wait before each retry
 * (as `update` waits) spreads out writers that collided. The command must
 * load what it decides on inside `run`, so that a retry sees the new state,
 * and must only decide: it may run more than once.
 *
 * @example
 * ```ts
 * const placed = await retryOnConflict(async (attempt) => {
 *   const product = await products.get('product-anvil');
 *   product.reserve('order-1', 1);
 *   return products.saveAll([order, product], { actor: 'customer:alice' });
 * }, { retries: 5 });
 * ```
 *
 * @param run The command; `attempt` counts from 1.
 * @param policy How often and how long to wait, as for `Repository.update`
 *   (3 retries, waits from up to 10 ms doubling to at most 250 ms).
 * @returns What the command returned.
 * @throws {ConcurrencyError} It still conflicted after the last retry.
 * @throws {InvalidArgumentError} The policy has a negative or non-numeric setting.
 */
export async function retryOnConflict<T>(
  run: (attempt: number) => Promise<T>,
  policy: RetryPolicy = {},
): Promise<T> {
  const resolved = resolveRetryPolicy(policy);
  for (let attempt = 1; ; attempt++) {
    try {
      return await run(attempt);
    } catch (error) {
      if (!isFactlineError(error, 'CONCURRENCY') || attempt > resolved.retries) throw error;
      resolved.onConflict?.(error, attempt);
      const delay = backoffDelay(attempt, resolved);
      if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
