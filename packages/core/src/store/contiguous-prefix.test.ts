import { describe, expect, it } from 'vitest';
import type { EventRow } from '../provider/provider.js';
import { contiguousPrefix } from './contiguous-prefix.js';

const rows = (...positions: number[]): EventRow[] =>
  positions.map((position, index) => ({
    id: String(index),
    entityId: 'e',
    name: 'N',
    schemaVersion: 1,
    details: '{}',
    actor: 'a',
    timestamp: 0,
    ordinal: index,
    position,
    metadata: null,
  }));

describe('contiguousPrefix', () => {
  it('keeps every row of consecutive positions, shared positions included', () => {
    expect(contiguousPrefix(rows(4, 4, 5, 6, 6, 6), 3)).toEqual({ count: 6, lastPosition: 6 });
  });

  it('reads positions with the accessor it is given, from rows of any shape', () => {
    const packed = [[4], [4], [5], [7]] as const;
    expect(contiguousPrefix(packed, 3, (row) => row[0])).toEqual({ count: 3, lastPosition: 5 });
  });

  it('stops at the first hole, even when later positions are visible', () => {
    expect(contiguousPrefix(rows(4, 5, 7, 8), 3)).toEqual({ count: 2, lastPosition: 5 });
  });

  it('keeps nothing when the next position is not visible yet', () => {
    expect(contiguousPrefix(rows(5, 6), 3)).toEqual({ count: 0, lastPosition: 3 });
    expect(contiguousPrefix([], 3)).toEqual({ count: 0, lastPosition: 3 });
  });

  it('accepts positions that a driver returns as strings (BIGINT)', () => {
    const bigints = rows(1, 2).map((row) => ({
      ...row,
      position: String(row.position) as unknown as number,
    }));
    expect(contiguousPrefix(bigints, 0)).toEqual({ count: 2, lastPosition: 2 });
  });
});
