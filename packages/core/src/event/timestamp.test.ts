import { describe, expect, it } from 'vitest';
import { fromProtocolTimestamp, toProtocolTimestamp } from './timestamp.js';

describe('protocol timestamps', () => {
  it('are fractional days since the Unix epoch', () => {
    expect(toProtocolTimestamp(new Date('1970-01-02T12:00:00Z'))).toBe(1.5);
  });

  it('round-trip to the millisecond', () => {
    for (const iso of [
      '2026-11-23T09:15:33.001Z',
      '1999-12-31T23:59:59.999Z',
      '2100-02-28T00:00:00.500Z',
    ]) {
      const date = new Date(iso);
      expect(fromProtocolTimestamp(toProtocolTimestamp(date)).toISOString()).toBe(iso);
    }
  });
});
