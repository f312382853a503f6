import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import { backoffDelay, resolveRetryPolicy } from './retry-policy.js';

describe('resolveRetryPolicy', () => {
  it('fills in the defaults, later layers winning', () => {
    expect(resolveRetryPolicy()).toEqual({ retries: 3, baseDelay: 10, maxDelay: 250 });
    expect(resolveRetryPolicy({ retries: 5 }, undefined, { baseDelay: 1 })).toEqual({
      retries: 5,
      baseDelay: 1,
      maxDelay: 250,
    });
  });

  it('refuses counts and delays that are negative or not numbers', () => {
    for (const policy of [
      { retries: -1 },
      { retries: 1.5 },
      { baseDelay: -1 },
      { maxDelay: Number.POSITIVE_INFINITY },
    ]) {
      expect(() => resolveRetryPolicy(policy), JSON.stringify(policy)).toThrow(
        InvalidArgumentError,
      );
    }
  });
});

describe('backoffDelay', () => {
  const policy = resolveRetryPolicy({ baseDelay: 10, maxDelay: 50 });

  it('waits a random time up to a cap that doubles on each retry, to the maximum', () => {
    const caps = [1, 2, 3, 4, 5].map((retry) => backoffDelay(retry, policy, () => 1));
    expect(caps).toEqual([10, 20, 40, 50, 50]);
    expect(backoffDelay(3, policy, () => 0)).toBe(0);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(20);
  });

  it('spreads the waits out', () => {
    const delays = Array.from({ length: 200 }, () => backoffDelay(2, policy));
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(20);
    expect(new Set(delays).size).toBeGreaterThan(100);
  });
});
