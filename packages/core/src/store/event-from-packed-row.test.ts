import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { isFactlineError } from '../errors/factline-error.js';
import { defineEvent } from '../event/define-event.js';
import { defineEvents } from '../event/event-registry.js';
import { eventFromPackedColumns, parsePackedRow } from './event-from-packed-row.js';
import { eventFromRow } from './event-from-row.js';

const events = defineEvents({
  Noted: v.object({ note: v.string() }),
  Moved: defineEvent({
    versions: [v.object({ to: v.string() }), v.object({ to: v.object({ city: v.string() }) })],
    upcasters: { 1: ({ to }) => ({ to: { city: to } }) },
  }),
});

const id = '0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
const at = Date.UTC(2026, 10, 23, 12, 34, 56, 789);

describe('packed event rows', () => {
  it('build the event eventFromRow builds from the same columns, upcast and metadata included', () => {
    const packed = `[7,"${id}","e \\"1\\"","Moved",1,{"to":"Oslo"},"me",${at},3,{"commandId":"c"}]`;

    const event = eventFromPackedColumns(events, parsePackedRow(packed));

    expect(event).toEqual(
      eventFromRow(events, {
        id,
        entityId: 'e "1"',
        name: 'Moved',
        schemaVersion: 1,
        details: '{"to":"Oslo"}',
        actor: 'me',
        timestamp: at / 86_400_000,
        ordinal: 3,
        position: 7,
        metadata: '{"commandId":"c"}',
      }),
    );
    expect(event.details).toEqual({ to: { city: 'Oslo' } });
    expect(event.timestamp.getTime()).toBe(at);
    // One shape whichever way the page was read: the same keys in the same order.
    expect(Object.keys(event)).toEqual(
      Object.keys(eventFromRow(events, { ...sampleRow(), metadata: null })),
    );
    const bare = parsePackedRow(`[1,"${id}","e","Noted",1,{"note":"n"},"me",${at},0,null]`);
    expect(eventFromPackedColumns(events, bare).metadata).toEqual({});
  });

  it('refuse text that is not a packed row, and names the registry does not declare', () => {
    for (const text of ['{}', '[1,2,3]', `[1,"${id}","e",5,1,{},"me",${at},0,null]`]) {
      expect(() => parsePackedRow(text), text).toThrow(TypeError);
    }
    expect(() => parsePackedRow('[1,')).toThrow(SyntaxError);
    let error: unknown;
    try {
      eventFromPackedColumns(
        events,
        parsePackedRow(`[1,"${id}","e","Gone",1,{},"me",${at},0,null]`),
      );
    } catch (caught) {
      error = caught;
    }
    expect(isFactlineError(error, 'UNKNOWN_EVENT')).toBe(true);
  });
});

function sampleRow() {
  return {
    id,
    entityId: 'e',
    name: 'Noted',
    schemaVersion: 1,
    details: '{"note":"n"}',
    actor: 'me',
    timestamp: at / 86_400_000,
    ordinal: 0,
    position: 1,
  };
}
