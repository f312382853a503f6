import type { EntityWrite, ExpectedVersion, PublicationRecord } from '@factline/core';
import { describe, expect, it } from 'vitest';
import { decideInBatch, type EntityState } from './mysql-batch-decision.js';

function entity(
  id: string,
  expectedVersion: ExpectedVersion,
  events = 1,
  type = 'Thing',
): EntityWrite {
  const event = {
    id: '00000000-0000-7000-8000-000000000000',
    name: 'Happened',
    schemaVersion: 1,
    details: '{}',
    actor: 'test',
    timestamp: 0,
    metadata: null,
  };
  return { id, type, expectedVersion, events: Array.from({ length: events }, () => event) };
}

function publication(...entities: EntityWrite[]): PublicationRecord {
  return { entities, commandId: null };
}

/** The batch's entities as locked: `[id, type, version]`, the rest absent. */
function locked(
  rows: readonly (readonly [string, string, number])[],
  absent: readonly string[] = [],
): Map<string, EntityState> {
  const entities = new Map<string, EntityState>();
  for (const [id, type, version] of rows) entities.set(id, { stored: version, type, version });
  for (const id of absent) entities.set(id, { stored: null, type: '', version: null });
  return entities;
}

describe('decideInBatch', () => {
  it('accepts expected versions and moves the entities on for the next publication', () => {
    const entities = locked([['a', 'Thing', 2]], ['b']);
    expect(decideInBatch(publication(entity('a', 2, 2), entity('b', 'new')), entities)).toEqual({
      kind: 'accepted',
      firstOrdinals: [3, 0],
      versions: [
        { id: 'a', version: 4 },
        { id: 'b', version: 0 },
      ],
    });
    expect(decideInBatch(publication(entity('b', 0), entity('a', 'any')), entities)).toMatchObject({
      kind: 'accepted',
      firstOrdinals: [1, 5],
    });
    expect(entities.get('a')).toEqual({ stored: 2, type: 'Thing', version: 5 });
    expect(entities.get('b')).toEqual({ stored: null, type: 'Thing', version: 1 });
  });

  it('refuses a whole publication when one entity is not at its expected version, leaving the others as they were', () => {
    const entities = locked([['a', 'Thing', 2]], ['b']);
    expect(decideInBatch(publication(entity('b', 'new'), entity('a', 1)), entities)).toEqual({
      kind: 'refused',
      outcome: { kind: 'conflict', entityId: 'a', expectedVersion: 1, actualVersion: 2 },
    });
    expect(decideInBatch(publication(entity('b', 0)), entities)).toEqual({
      kind: 'refused',
      outcome: { kind: 'conflict', entityId: 'b', expectedVersion: 0, actualVersion: null },
    });
    expect(decideInBatch(publication(entity('a', 'new')), entities)).toMatchObject({
      outcome: { kind: 'conflict', actualVersion: 2 },
    });
    expect(entities.get('a')).toEqual({ stored: 2, type: 'Thing', version: 2 });
    expect(entities.get('b')).toEqual({ stored: null, type: '', version: null });
  });

  it('sees what an earlier publication of the batch did: a second "new" conflicts with the first', () => {
    const entities = locked([], ['a']);
    expect(decideInBatch(publication(entity('a', 'new', 3)), entities)).toMatchObject({
      kind: 'accepted',
    });
    expect(decideInBatch(publication(entity('a', 'new')), entities)).toEqual({
      kind: 'refused',
      outcome: { kind: 'conflict', entityId: 'a', expectedVersion: 'new', actualVersion: 2 },
    });
  });

  it('refuses an entity of another type, whatever the expected version', () => {
    for (const expected of [2, 'new', 'any'] as const) {
      expect(
        decideInBatch(publication(entity('a', expected, 1, 'Other')), locked([['a', 'Thing', 2]])),
      ).toEqual({
        kind: 'refused',
        outcome: {
          kind: 'type-mismatch',
          entityId: 'a',
          expectedType: 'Other',
          actualType: 'Thing',
        },
      });
    }
  });
});
