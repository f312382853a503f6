import * as v from 'valibot';
import { describe, expect, it } from 'vitest';
import { isFactlineError } from '../errors/factline-error.js';
import { defineEvent } from '../event/define-event.js';
import { defineEvents } from '../event/event-registry.js';
import type { FoldRow } from '../provider/provider.js';
import { foldEventsFromRows } from './fold-event.js';

const events = defineEvents({
  Noted: v.object({ note: v.string() }),
  Moved: defineEvent({
    versions: [v.object({ to: v.string() }), v.object({ to: v.object({ city: v.string() }) })],
    upcasters: { 1: ({ to }) => ({ to: { city: to } }) },
  }),
});

/** A string no literal shares, as a driver hands one over. */
const fresh = (text: string) => Buffer.from(text).toString();

describe('foldEventsFromRows', () => {
  it('decodes rows of either form, a null version as 1, numbering them from the ordinal after `after`', () => {
    const rows: FoldRow[] = [
      ['Noted', 1, '{"note":"a"}'],
      '["Noted",1,{"note":"b \\"quoted\\" ü"}]',
      [fresh('Moved'), 2, '{"to":{"city":"Oslo"}}'],
      ' [ "Noted" , 1 , { "note" : "c" } ] ',
      ['Noted', null, '{"note":"d"}'],
      '["Moved",null,{"to":"Kyiv"}]',
    ];

    expect(foldEventsFromRows(events, rows, 4)).toEqual([
      { name: 'Noted', details: { note: 'a' }, ordinal: 5 },
      { name: 'Noted', details: { note: 'b "quoted" ü' }, ordinal: 6 },
      { name: 'Moved', details: { to: { city: 'Oslo' } }, ordinal: 7 },
      { name: 'Noted', details: { note: 'c' }, ordinal: 8 },
      { name: 'Noted', details: { note: 'd' }, ordinal: 9 },
      { name: 'Moved', details: { to: { city: 'Kyiv' } }, ordinal: 10 },
    ]);
    expect(foldEventsFromRows(events, [], -1)).toEqual([]);
  });

  it('upcasts a row stored at an older schema version, and only such a row', () => {
    const latest = { to: { city: 'Rome' } };
    const rows: FoldRow[] = [
      ['Moved', 1, '{"to":"Bergen"}'],
      `["Moved",1,{"to":"Turku"}]`,
      ['Moved', 2, JSON.stringify(latest)],
    ];

    expect(foldEventsFromRows(events, rows, -1).map((event) => event.details)).toEqual([
      { to: { city: 'Bergen' } },
      { to: { city: 'Turku' } },
      latest,
    ]);
  });

  it('decodes a history of more names than it keeps to compare with `===`', () => {
    const many = defineEvents(
      Object.fromEntries(Array.from({ length: 12 }, (_, index) => [`Event${index}`, v.object({})])),
    );
    const rows: FoldRow[] = Array.from({ length: 36 }, (_, index) => [
      fresh(`Event${index % 12}`),
      1,
      '{}',
    ]);

    const names = foldEventsFromRows(many, rows, -1).map((event) => event.name);

    expect(names).toEqual(rows.map((row) => (row as readonly string[])[0]));
  });

  it('throws UnknownEventError for a name the registry does not declare', () => {
    for (const row of [['Vanished', 1, '{}'], '["Vanished",1,{}]'] satisfies FoldRow[]) {
      const error = catchError(() => foldEventsFromRows(events, [row], -1));
      expect(isFactlineError(error, 'UNKNOWN_EVENT') && error.eventName).toBe('Vanished');
    }
  });

  it('throws UpcastError for a version it cannot upcast', () => {
    const error = catchError(() => foldEventsFromRows(events, [['Moved', 3, '{}']], -1));

    expect(isFactlineError(error, 'UPCAST') && error.failure).toBe('unknown-version');
  });

  it('refuses a string row that is not the JSON text of [name, schemaVersion, details]', () => {
    for (const row of ['{"name":"Noted"}', '["Noted",1]', '["Noted",1,{},2]', '[1,1,{}]']) {
      expect(() => foldEventsFromRows(events, [row], -1), row).toThrow(TypeError);
    }
    expect(() => foldEventsFromRows(events, ['["Noted",1,{]'], -1)).toThrow(SyntaxError);
    expect(() => foldEventsFromRows(events, [['Noted', 1, '{']], -1)).toThrow(SyntaxError);
  });
});

function catchError(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}
