import type { EntityWrite, EventRecord, PublicationRecord } from '@factline/core';
import { describe, expect, it } from 'vitest';
import { statementWrites } from './postgres-statement-writes.js';

const event = (overrides: Partial<EventRecord> = {}): EventRecord => ({
  id: '0190b6a4-0000-7000-8000-000000000000',
  name: 'Opened',
  schemaVersion: 1,
  details: '{}',
  actor: 'user:1',
  timestamp: 20_000.5,
  metadata: null,
  ...overrides,
});

const entity = (id: string, overrides: Partial<EntityWrite> = {}): EntityWrite => ({
  id,
  type: 'Thing',
  expectedVersion: 'new',
  events: [event()],
  ...overrides,
});

const publication = (
  entities: EntityWrite[],
  commandId: string | null = null,
): PublicationRecord => ({ entities, commandId });

describe('statementWrites', () => {
  it('gives the one entity write of each publication, in batch order', () => {
    const first = entity('a');
    const second = entity('b', { expectedVersion: 4, events: [event(), event()] });
    expect(statementWrites([publication([first]), publication([second])])).toEqual([first, second]);
  });

  it('takes publications with command ids: the batch statement records them', () => {
    const first = entity('a');
    const second = entity('b', { expectedVersion: 2 });
    expect(
      statementWrites([publication([first], 'command-1'), publication([second], 'command-2')]),
    ).toEqual([first, second]);
  });

  it.each([
    ['a publication of two entities', [publication([entity('a'), entity('b')])]],
    ["an 'any' version", [publication([entity('a', { expectedVersion: 'any' })])]],
    [
      'one entity in two publications',
      [publication([entity('a')]), publication([entity('a', { expectedVersion: 0 })])],
    ],
    [
      'events with different actors',
      [publication([entity('a', { events: [event(), event({ actor: 'user:2' })] })])],
    ],
    [
      'events with different timestamps',
      [publication([entity('a', { events: [event(), event({ timestamp: 1 })] })])],
    ],
    [
      'events with different metadata',
      [publication([entity('a', { events: [event(), event({ metadata: '{"x":1}' })] })])],
    ],
  ])('sends a batch with %s to the function', (_, batch) => {
    expect(statementWrites(batch)).toBeUndefined();
  });

  it('sends the whole batch to the function when one publication needs it', () => {
    const batch = [
      publication([entity('a')], 'command-1'),
      publication([entity('b', { expectedVersion: 'any' })]),
    ];
    expect(statementWrites(batch)).toBeUndefined();
  });
});
