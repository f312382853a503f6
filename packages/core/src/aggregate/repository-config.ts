import type { RetryPolicy } from './retry-policy.js';

/** How a {@link Repository} behaves. */
export interface RepositoryConfig {
  /** How `update` retries on conflicts, unless a call says otherwise. */
  readonly retry?: RetryPolicy;
}
