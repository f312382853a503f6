import type { EventRow } from '../provider/provider.js';

/**
 * Keeps the rows of the publications right after `after`, stopping at the
 * first missing position.
 *
 * Positions have no permanent holes (a rolled-back publication rolls back its
 * position), so a hole is a publication that has committed but is not yet
 * visible to this reader (MariaDB's snapshots are not atomic with commits).
 * Reading past it would let a checkpoint skip it forever.
 *
 * @param rows Rows ordered by position, as `Provider.readPositions` returns them.
 * @param after The position the read started after.
 * @param positionOf A row's position; `Number(row.position)` of an `EventRow` by default.
 * @returns How many leading rows to keep, and the last position they reach.
 */
export function contiguousPrefix<TRow = EventRow>(
  rows: readonly TRow[],
  after: number,
  positionOf: (row: TRow) => number = (row) => Number((row as EventRow).position),
): { count: number; lastPosition: number } {
  let lastPosition = after;
  let count = 0;
  for (const row of rows) {
    const position = positionOf(row);
    if (position !== lastPosition) {
      if (position !== lastPosition + 1) break;
      lastPosition = position;
    }
    count++;
  }
  return { count, lastPosition };
}
