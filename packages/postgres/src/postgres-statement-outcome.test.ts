import type { EventRecord } from '@factline/core';
import { describe, expect, it } from 'vitest';
import { statementOutcome } from './postgres-statement-outcome.js';
import type { StatementWrite } from './postgres-statement-writes.js';

const event: EventRecord = {
  id: '0190b6a4-0000-7000-8000-000000000000',
  name: 'Opened',
  schemaVersion: 1,
  details: '{}',
  actor: 'user:1',
  timestamp: 20_000.5,
  metadata: null,
};

const write = (expectedVersion: number | 'new', events = 2): StatementWrite => ({
  id: 'thing-1',
  type: 'Thing',
  expectedVersion,
  events: Array.from({ length: events }, () => event),
});

describe('statementOutcome', () => {
  it('gives a published publication its position and the version after its events', () => {
    expect(statementOutcome(write(3), '17', undefined)).toEqual({
      kind: 'published',
      position: 17,
      versions: [{ id: 'thing-1', version: 5 }],
    });
    expect(statementOutcome(write('new'), 18, undefined)).toEqual({
      kind: 'published',
      position: 18,
      versions: [{ id: 'thing-1', version: 1 }],
    });
  });

  it('explains a failure with the stored row: conflict, missing entity, type mismatch', () => {
    expect(statementOutcome(write(3), null, { type: 'Thing', version: '4' })).toEqual({
      kind: 'conflict',
      entityId: 'thing-1',
      expectedVersion: 3,
      actualVersion: 4,
    });
    expect(statementOutcome(write('new'), null, { type: 'Thing', version: '0' })).toEqual({
      kind: 'conflict',
      entityId: 'thing-1',
      expectedVersion: 'new',
      actualVersion: 0,
    });
    expect(statementOutcome(write(0), null, undefined)).toEqual({
      kind: 'conflict',
      entityId: 'thing-1',
      expectedVersion: 0,
      actualVersion: null,
    });
    for (const expected of ['new', 0] as const) {
      expect(statementOutcome(write(expected), null, { type: 'Order', version: 0 })).toEqual({
        kind: 'type-mismatch',
        entityId: 'thing-1',
        expectedType: 'Thing',
        actualType: 'Order',
      });
    }
  });

  it('leaves undecided a failure the stored row gives no reason for', () => {
    // A writer that committed after the snapshot: the row looks as expected, or is not there yet.
    expect(statementOutcome(write(3), null, { type: 'Thing', version: '3' })).toBeUndefined();
    expect(statementOutcome(write('new'), null, undefined)).toBeUndefined();
  });

  it('reports a repeat of a recorded command id with the original result, and leaves undecided one that was not written for another reason', () => {
    const recorded = { position: '9', versions: '[{"id" : "thing-1", "version" : 4}]' };
    expect(statementOutcome(write(3), null, { type: 'Thing', version: '4' }, { recorded })).toEqual(
      { kind: 'duplicate', position: 9, versions: [{ id: 'thing-1', version: 4 }] },
    );
    // A conflict explained by the row may still be the work of a repeat of the same command.
    expect(
      statementOutcome(write(3), null, { type: 'Thing', version: '4' }, { recorded: undefined }),
    ).toBeUndefined();
    expect(statementOutcome(write(3), '12', undefined, { recorded: undefined })).toEqual({
      kind: 'published',
      position: 12,
      versions: [{ id: 'thing-1', version: 5 }],
    });
  });
});
