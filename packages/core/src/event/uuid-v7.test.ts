import { describe, expect, it } from 'vitest';
import { uuidV7 } from './uuid-v7.js';

const uuidV7Pattern = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidV7', () => {
  it('has the version 7 and RFC 9562 variant bits', () => {
    for (let index = 0; index < 1000; index++) expect(uuidV7()).toMatch(uuidV7Pattern);
  });

  it('carries the millisecond timestamp in its first 48 bits', () => {
    // Ahead of every id this process has made: ids never go back in time.
    const future = Date.now() + 10_000_000;
    const id = uuidV7(future);
    const millis = Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);
    expect(millis).toBe(future);
  });

  it('strictly increases within one millisecond, past the counter, and when the clock steps back', () => {
    const start = Date.now() + 20_000_000;
    const ids: string[] = [];
    for (let index = 0; index < 10_000; index++) ids.push(uuidV7(start));
    ids.push(uuidV7(start - 5000));
    for (let index = 1; index < ids.length; index++) {
      expect((ids[index] as string) > (ids[index - 1] as string)).toBe(true);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });
});
