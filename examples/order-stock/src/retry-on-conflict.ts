import { type ConcurrencyError, isFactlineError, type RetryPolicy } from '@factline/core';

/**
 * Runs a command again, from its reads, while it fails with a
 * `ConcurrencyError` — what `Repository.update` does for one aggregate, for
 * commands that save several with `saveAll`. Each conflict means another
 * writer's publication got in first, so every round makes progress; the
 * random wait spreads out writers that collided so they do not collide again.
 *
 * @param run The command; `attempt` counts from 1.
 * @param policy How often and how long to wait (`Repository`'s policy shape).
 * @returns What the command returned.
 * @throws {ConcurrencyError} It still conflicted after the last retry.
 */
export async function retryOnConflict<T>(
  run: (attempt: number) => Promise<T>,
  policy: RetryPolicy = {},
): Promise<T> {
  const retries = policy.retries ?? 3;
  for (let attempt = 1; ; attempt++) {
    try {
      return await run(attempt);
    } catch (error) {
      if (!isFactlineError(error, 'CONCURRENCY') || attempt > retries) throw error;
      policy.onConflict?.(error as ConcurrencyError, attempt);
      await sleep(Math.random() * backoffCap(attempt, policy));
    }
  }
}

/** The longest wait before a retry: doubling from `baseDelay`, never above `maxDelay`. */
function backoffCap(attempt: number, policy: RetryPolicy): number {
  return Math.min(policy.maxDelay ?? 250, (policy.baseDelay ?? 10) * 2 ** (attempt - 1));
}

function sleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}
