import type { StoredEventBase } from '@factline/core';

/**
 * The index of the first event of the publication that `events[index]`
 * belongs to (events of one publication share a position and are adjacent).
 */
export function publicationStart(events: readonly StoredEventBase[], index: number): number {
  const position = (events[index] as StoredEventBase).position;
  let start = index;
  while (start > 0 && (events[start - 1] as StoredEventBase).position === position) start--;
  return start;
}

/** Splits a page into its publications, in order. */
export function publicationsOf<TEvent extends StoredEventBase>(
  events: readonly TEvent[],
): TEvent[][] {
  const publications: TEvent[][] = [];
  for (const event of events) {
    const last = publications[publications.length - 1];
    if (last !== undefined && (last[0] as TEvent).position === event.position) last.push(event);
    else publications.push([event]);
  }
  return publications;
}
