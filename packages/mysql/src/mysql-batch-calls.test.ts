import type { EntityWrite, ExpectedVersion, PublicationRecord } from '@factline/core';
import { describe, expect, it } from 'vitest';
import { compareCodePoints, planBatchCalls } from './mysql-batch-calls.js';

function entity(
  id: string,
  expectedVersion: ExpectedVersion,
  details: string[] = ['{}'],
): EntityWrite {
  return {
    id,
    type: 'Thing',
    expectedVersion,
    events: details.map((text, index) => ({
      id: `00000000-0000-7000-8000-00000000000${index}`,
      name: 'Happened',
      schemaVersion: 1,
      details: text,
      actor: 'test',
      timestamp: 20_000.5,
      metadata: index === 0 ? null : '{"m":1}',
    })),
  };
}

function publication(entities: EntityWrite[], commandId: string | null = null): PublicationRecord {
  return { entities, commandId };
}

describe('planBatchCalls', () => {
  it('encodes a batch as one CALL: entity rows, lock order, events with the ordinals they get if published', () => {
    const batch = [
      publication([entity('b', 4, ['{"x":"\\"quoted\\""}', '{}'])], 'command-1'),
      publication([entity('a', 'new'), entity('c', 'any', ['{}', '{}'])]),
      publication([entity('b', 'any')]),
    ];
    const [call, ...rest] = planBatchCalls(batch, Number.POSITIVE_INFINITY);
    expect(rest).toEqual([]);
    expect(call?.publications).toBe(batch);
    expect(JSON.parse(call?.entitiesJson ?? '')).toEqual([
      [1, 'command-1', 1, 1, 'b', 'Thing', 4, 2],
      [2, null, 2, 1, 'a', 'Thing', -1, 1],
      [2, null, 2, 2, 'c', 'Thing', -2, 2],
      [3, null, 1, 1, 'b', 'Thing', -2, 1],
    ]);
    expect(call?.lockIdsJson).toBe('["a","b","c"]');
    // Runs of an entity's events with one actor and timestamp: [publication, entity,
    // first ordinal, anyIndex, actor, timestamp, events]. An 'any' entity counts from its first new event.
    const runs = JSON.parse(call?.eventsJson ?? '') as unknown[][];
    expect(runs.map((run) => run.slice(0, 6))).toEqual([
      [1, 'b', 5, null, 'test', 20_000.5],
      [2, 'a', 0, null, 'test', 20_000.5],
      [2, 'c', 0, 0, 'test', 20_000.5],
      [3, 'b', 0, 1, 'test', 20_000.5],
    ]);
    // Details and metadata travel as strings, unchanged: [name, details, id, schemaVersion, metadata].
    expect(runs[0]?.[6]).toEqual([
      ['Happened', '{"x":"\\"quoted\\""}', '00000000-0000-7000-8000-000000000000', 1, null],
      ['Happened', '{}', '00000000-0000-7000-8000-000000000001', 1, '{"m":1}'],
    ]);
  });

  it('starts a new run where an entity changes actor or timestamp', () => {
    const mixed = entity('a', 2, ['{}', '{}', '{}']);
    const events = mixed.events.map((event, index) => ({
      ...event,
      actor: index === 0 ? 'first' : 'second',
      timestamp: index === 2 ? 1 : 0,
    }));
    const [call] = planBatchCalls([publication([{ ...mixed, events }])], Number.POSITIVE_INFINITY);
    const runs = JSON.parse(call?.eventsJson ?? '') as unknown[][];
    expect(runs.map((run) => [...run.slice(0, 6), (run[6] as unknown[]).length])).toEqual([
      [1, 'a', 3, null, 'first', 0, 1],
      [1, 'a', 4, null, 'second', 0, 1],
      [1, 'a', 5, null, 'second', 1, 1],
    ]);
  });

  it('locks nothing up front when the CALL has one entity', () => {
    const [call] = planBatchCalls(
      [publication([entity('a', 0)]), publication([entity('a', 1)])],
      Number.POSITIVE_INFINITY,
    );
    expect(call?.lockIdsJson).toBeNull();
  });

  it('splits a batch larger than a packet into CALLs in order, and leaves the events of a publication too large for one to the caller', () => {
    const text = (characters: number) => JSON.stringify({ text: 'x'.repeat(characters) });
    const huge = publication([entity('huge', 'new', [text(4_000), text(4_000)])]);
    const large = publication([entity('large', 'new', [text(3_000)])]);
    const small = publication([entity('small', 'new')]);
    const calls = planBatchCalls([small, huge, large, small, large], 7_000);
    // About 8,300 bytes, 3,200 and 200.
    expect(calls.map((call) => call.publications)).toEqual([
      [small],
      [huge],
      [large, small, large],
    ]);
    expect(calls.map((call) => call.eventsJson === null)).toEqual([false, true, false]);
    for (const call of calls) {
      expect(JSON.parse(call.entitiesJson)[0][0]).toBe(1);
    }
  });

  it('measures UTF-8 bytes, not characters, against the packet', () => {
    // About 3,200 characters, 6,200 bytes.
    const wide = publication([
      entity('wide', 'new', [JSON.stringify({ text: 'é'.repeat(3_000) })]),
    ]);
    expect(planBatchCalls([wide, wide], 13_000)).toHaveLength(1);
    expect(planBatchCalls([wide, wide], 9_000)).toHaveLength(2);
    expect(planBatchCalls([wide], 5_000)[0]?.eventsJson).toBeNull();
  });
});

describe('compareCodePoints', () => {
  it('orders by code point, as binary collations of UTF-8 do', () => {
    const ids = ['b', 'a', '\uFFFD', '😀', 'ab', 'a'];
    expect([...ids].sort(compareCodePoints)).toEqual(['a', 'a', 'ab', 'b', '\uFFFD', '😀']);
    // UTF-16 order would put the emoji (a surrogate pair) before U+FFFD.
    expect(['\uFFFD', '😀'].sort()).toEqual(['😀', '\uFFFD']);
    expect(compareCodePoints('😀x', '😀y')).toBeLessThan(0);
  });
});
