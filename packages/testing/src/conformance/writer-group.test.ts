import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { WriterGroup } from './writer-group.js';
import { parseWriterMessage } from './writer-protocol.js';

describe('parseWriterMessage', () => {
  it('reads protocol messages and leaves anything else a process prints', () => {
    expect(parseWriterMessage('{"type":"ready","round":2}')).toEqual({ type: 'ready', round: 2 });
    expect(parseWriterMessage('{"type":"failed","error":"boom"}')).toEqual({
      type: 'failed',
      error: 'boom',
    });
    expect(parseWriterMessage('{"type":"other"}')).toBeUndefined();
    expect(parseWriterMessage('{"type":')).toBeUndefined();
    expect(parseWriterMessage('ready')).toBeUndefined();
    expect(parseWriterMessage('')).toBeUndefined();
  });
});

describe('WriterGroup', () => {
  let group: WriterGroup | undefined;
  afterEach(() => group?.kill());

  it('reports a writer whose connect fails, with the error and what it printed', async () => {
    group = new WriterGroup(
      {
        module: fileURLToPath(new URL('./failing-worker.fixture.ts', import.meta.url)),
        config: { at: 'here' },
      },
      [{ rounds: [[]] }],
    );

    const error = await group.runRound().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      /writer #0 failed:[\s\S]*connect exploded for \{"at":"here"\}/,
    );
    expect((error as Error).message).toContain('the fixture is about to fail');
  });

  it('reports a worker module that does not export connect', async () => {
    group = new WriterGroup(
      { module: new URL('./writer-protocol.ts', import.meta.url).href, config: null },
      [{ rounds: [[]] }],
    );

    await expect(group.runRound()).rejects.toThrow(/does not export connect\(config\)/);
  });

  it('refuses tasks with different numbers of rounds', () => {
    expect(
      () =>
        new WriterGroup({ module: '/nowhere.js', config: null }, [
          { rounds: [[]] },
          { rounds: [[], []] },
        ]),
    ).toThrow(/same number of rounds/);
  });
});
