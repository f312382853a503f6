import type { EventRecord, PublicationRecord } from '@factline/core';
import { describe, expect, it } from 'vitest';
import { checkPublicationFits } from './mysql-limits.js';

function publication(type: string, event: Partial<EventRecord> = {}): PublicationRecord {
  return {
    commandId: null,
    entities: [
      {
        id: 'a',
        type,
        expectedVersion: 'new',
        events: [
          {
            id: '00000000-0000-7000-8000-000000000000',
            name: 'Happened',
            schemaVersion: 1,
            details: '{}',
            actor: 'test',
            timestamp: 0,
            metadata: null,
            ...event,
          },
        ],
      },
    ],
  };
}

const megabyte = 1024 * 1024;

describe('checkPublicationFits', () => {
  it('counts characters, not UTF-16 units, against VARCHAR(255)', () => {
    expect(() => checkPublicationFits(publication('😀'.repeat(255)), megabyte)).not.toThrow();
    expect(() => checkPublicationFits(publication('T'.repeat(256)), megabyte)).toThrow(/type/);
    expect(() =>
      checkPublicationFits(publication('T', { name: 'N'.repeat(256) }), megabyte),
    ).toThrow(/Event names/);
  });

  it('refuses an actor over 64 KiB', () => {
    expect(() =>
      checkPublicationFits(publication('T', { actor: 'é'.repeat(32_768) }), 16 * megabyte),
    ).toThrow(/actor/);
  });

  it('refuses an event larger than one statement may carry, by its UTF-8 size', () => {
    const details = JSON.stringify({ text: 'é'.repeat(300_000) });
    expect(() => checkPublicationFits(publication('T', { details }), megabyte)).not.toThrow();
    expect(() => checkPublicationFits(publication('T', { details }), 500_000)).toThrow(
      /max_allowed_packet/,
    );
  });
});
