import { describe, expect, it } from 'vitest';
import { WorkFailure } from './work-failure.js';

describe('WorkFailure.run', () => {
  it('marks what synchronous work throws, keeping the error itself as the cause', async () => {
    const thrown = new Error('handler failed');
    const failure = await WorkFailure.run(() => {
      throw thrown;
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(WorkFailure);
    expect((failure as WorkFailure).cause).toBe(thrown);
  });

  it('marks what asynchronous work rejects with, whatever it is', async () => {
    const rejected = { reason: 'not an Error' };
    const failure = await WorkFailure.run(() => Promise.reject(rejected)).catch(
      (error: unknown) => error,
    );
    expect(failure).toBeInstanceOf(WorkFailure);
    expect((failure as WorkFailure).cause).toBe(rejected);
  });

  it('waits for work that succeeds', async () => {
    let done = false;
    await WorkFailure.run(async () => {
      await Promise.resolve();
      done = true;
    });
    expect(done).toBe(true);
  });
});
