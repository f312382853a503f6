import { describe, expect, it } from 'vitest';
import { GroupCommitter } from './group-committer.js';

function deferred() {
  let release!: () => void;
  const promise = new Promise<void>((resolve) => {
    release = resolve;
  });
  return { promise, release };
}

describe('GroupCommitter', () => {
  it('commits writes started together as one batch, and queues the rest behind it', async () => {
    const batches: number[][] = [];
    const gate = deferred();
    const committer = new GroupCommitter<number, string>({
      commit: async (batch) => {
        batches.push(batch);
        if (batches.length === 1) await gate.promise;
        return batch.map((item) => `ok ${item}`);
      },
    });
    const first = [1, 2, 3].map((item) => committer.submit(item));
    await Promise.resolve();
    await Promise.resolve();
    const second = [4, 5].map((item) => committer.submit(item));
    expect(committer.waiting).toBe(2);
    gate.release();
    expect(await Promise.all([...first, ...second])).toEqual([
      'ok 1',
      'ok 2',
      'ok 3',
      'ok 4',
      'ok 5',
    ]);
    expect(batches).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
  });

  it('keeps batches within maxBatchSize and apart where canJoin says no', async () => {
    const batches: string[][] = [];
    const committer = new GroupCommitter<string, string>({
      commit: async (batch) => {
        batches.push(batch);
        return batch;
      },
      maxBatchSize: 2,
      canJoin: (batch, item) => !batch.includes(item),
    });
    await Promise.all(['a', 'a', 'b', 'c'].map((item) => committer.submit(item)));
    expect(batches).toEqual([
      ['a', 'b'],
      ['a', 'c'],
    ]);
  });

  it('rejects every write of a failed batch and goes on with the next', async () => {
    let calls = 0;
    const committer = new GroupCommitter<number, number>({
      commit: async (batch) => {
        calls++;
        if (calls === 1) throw new Error('connection lost');
        return batch;
      },
    });
    const failed = [1, 2].map((item) => committer.submit(item));
    await expect(failed[0]).rejects.toThrow('connection lost');
    await expect(failed[1]).rejects.toThrow('connection lost');
    expect(await committer.submit(3)).toBe(3);
  });
});
