import type { EntityWrite, ExpectedVersion, PublicationRecord } from '@factline/core';
import { describe, expect, it } from 'vitest';
import { readBatchOutcomes } from './mysql-batch-outcomes.js';

function entity(
  id: string,
  expectedVersion: ExpectedVersion,
  count = 1,
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
  return { id, type, expectedVersion, events: Array.from({ length: count }, () => event) };
}

function publication(...entities: EntityWrite[]): PublicationRecord {
  return { entities, commandId: null };
}

describe('readBatchOutcomes', () => {
  it('publishes every publication the row does not name, at the next positions in order', () => {
    const batch = [
      publication(entity('a', 4, 2), entity('b', 'new', 3)),
      publication(entity('a', 6)),
      publication(entity('c', 'any', 2)),
    ];
    expect(readBatchOutcomes(batch, [17, '', ',5'])).toEqual([
      {
        kind: 'published',
        position: 17,
        versions: [
          { id: 'a', version: 6 },
          { id: 'b', version: 2 },
        ],
      },
      { kind: 'published', position: 18, versions: [{ id: 'a', version: 7 }] },
      { kind: 'published', position: 19, versions: [{ id: 'c', version: 6 }] },
    ]);
  });

  it('reads a row of the first position alone', () => {
    expect(readBatchOutcomes([publication(entity('a', 'new', 2))], [3])).toEqual([
      { kind: 'published', position: 3, versions: [{ id: 'a', version: 1 }] },
    ]);
  });

  it('reports the exceptions, and the published ones skip their positions', () => {
    const batch = [
      publication(entity('a', 'new'), entity('b', 3)),
      publication(entity('c', 'any')),
      publication(entity('d', 0, 1, 'Thing')),
      publication(entity('e', 'any')),
      publication(entity('f', 'new')),
    ];
    const row = [
      '40',
      ',[1,"conflict",2,7],[3,"type-mismatch",1,"Other ü"],[4,"duplicate",12,[{"id": "e", "version": 9}]]',
      ',2,null',
    ];
    expect(readBatchOutcomes(batch, row)).toEqual([
      { kind: 'conflict', entityId: 'b', expectedVersion: 3, actualVersion: 7 },
      { kind: 'published', position: 40, versions: [{ id: 'c', version: 2 }] },
      { kind: 'type-mismatch', entityId: 'd', expectedType: 'Thing', actualType: 'Other ü' },
      { kind: 'duplicate', position: 12, versions: [{ id: 'e', version: 9 }] },
      { kind: 'published', position: 41, versions: [{ id: 'f', version: 0 }] },
    ]);
    expect(
      readBatchOutcomes([publication(entity('g', 2))], [null, ',[1,"conflict",1,null]', '']),
    ).toEqual([{ kind: 'conflict', entityId: 'g', expectedVersion: 2, actualVersion: null }]);
  });

  it('refuses a row that does not fit its batch', () => {
    const batch = [publication(entity('a', 'any'))];
    expect(() => readBatchOutcomes(batch, [null, '', ',3'])).toThrow(/does not fit/);
    expect(() => readBatchOutcomes(batch, [1, '', ''])).toThrow(/does not fit/);
    expect(() => readBatchOutcomes(batch, [1, ',[1,"conflict",2,0]', ''])).toThrow(/does not fit/);
    expect(() => readBatchOutcomes(batch, ['9007199254740993', '', ',0'])).toThrow(/exactly/);
  });
});
