import { describe, expect, it } from 'vitest';
import type { ConformanceWorld } from '../conformance-world.js';
import { change, publication } from '../publication-builders.js';
import { readLog } from '../read-log.js';

/** Details that must come back exactly as they went in, by what they test. */
const details: Readonly<Record<string, unknown>> = {
  emoji: { text: '🚀 👩‍👩‍👧‍👦 🏳️‍🌈 👍🏽', flag: '🇺🇦' },
  rightToLeft: { hebrew: 'שָׁלוֹם', arabic: 'مرحبا بالعالم', mixed: 'abc אבג 123' },
  astralPlanes: { math: '𝕏𝔸𝕄𝕃', cjkExtensionB: '𠜎𠜱𠝹', mahjong: '🀄', gothic: '𐌰𐌱𐌲' },
  combining: { decomposed: 'e\u0301', composed: 'é', zalgo: 'Z̴͎̈a̵̛̞l̶g̷o̶' },
  controlCharacters: {
    text: '\u0001\u0007\b\t\n\u000b\f\r\u001b\u001f\u007f\u0085',
    separators: '\u2028\u2029',
  },
  invisibles: {
    bom: '\uFEFF',
    zeroWidth: 'a\u200Bb\u200Dc',
    replacement: '\uFFFD',
    last: '\u{10FFFF}',
  },
  quotesAndSlashes: { text: `"'\`\\/ \\" \\\\ </script> {} [] \${x} %s ?` },
  unicodeKeys: { ключ: 'значение', '🔑': '🗝', 'key with "quotes"': 1, '': 'empty key' },
  emptyObject: {},
  emptyArray: [],
  emptyString: '',
  nestedEmpties: { a: {}, b: [], c: [[], [{}]], d: '' },
  numbers: {
    integers: [0, 1, -1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER],
    fractions: [0.1 + 0.2, 1e-7, -2.5e-300, 1.7976931348623157e308, 5e-324],
  },
  literals: [true, false, null, 'null', 'true', '0'],
  deep: JSON.parse(`${'{"d":['.repeat(40)}1${']}'.repeat(40)}`),
};

/** Times the clock gives, each to the millisecond; the protocol stores fractional days. */
const times = [
  '1969-07-20T20:17:40.001Z',
  '1970-01-01T00:00:00.000Z',
  '2000-02-29T12:00:00.500Z',
  '2024-12-31T23:59:59.999Z',
  '2038-01-19T03:14:08.123Z',
  '2199-06-15T08:30:00.007Z',
];

/**
 * Entity ids and types that look like SQL, markup or format strings, and
 * must be nothing but data.
 */
const awkwardIds = [
  "'); DROP TABLE Events; --",
  '"); DROP TABLE "Entities"; --',
  "Robert'); DELETE FROM Entities WHERE ('1'='1",
  "' OR '1'='1",
  '1; SELECT * FROM Events',
  "it's",
  '"double-quoted"',
  '`backticked`',
  '[bracketed]',
  'semi;colon',
  'back\\slash\\',
  '%_wild%card_',
  '$1 ? :name @p0 %s',
  '/* comment */ -- dash',
  'NULL',
  ' padded ',
  'line\nbreak\ttab',
  'entity-🚀-ünïcødé-שלום',
  'x'.repeat(255),
];

/** Pairs of ids that some collations call equal, and an event store must not. */
const distinctIds = [
  ['Case-Sensitive', 'case-sensitive'],
  ['trailing', 'trailing '],
  ['caf\u00e9', 'cafe\u0301'],
  ['ß', 'ss'],
  ['ﬁ', 'fi'],
];

/**
 * Everything a publication carries comes back exactly: details, ids, types,
 * times, metadata, actor.
 *
 * @param world The current test's store.
 */
export function describeRoundTrips(world: ConformanceWorld): void {
  describe('round trips', () => {
    it(`returns details exactly: ${Object.keys(details).join(', ')}`, async () => {
      const store = await world.store();
      const names = Object.keys(details);
      await store.publish(
        publication([
          change(
            'trip-details',
            'new',
            names.map((name) => ({ name: 'Carried', details: details[name] })),
          ),
        ]),
      );

      const events = await store.readEntity('trip-details');
      expect(
        Object.fromEntries(events.map((event, index) => [names[index], event.details])),
      ).toEqual(details);
      // toEqual treats a missing key like an undefined one; the JSON must match too.
      expect(events.map((event) => JSON.stringify(event.details))).toEqual(
        names.map((name) => JSON.stringify(details[name])),
      );
    });

    it('returns 1 MB of details exactly, as a string and as a structure', async () => {
      const store = await world.store();
      const alphabet = 'abcdefghijklmnopqrstuvwxyz ÅÄÖ 😀 𝕏 ✓ "\\\n';
      const string = alphabet.repeat(Math.ceil(1_048_576 / alphabet.length)).slice(0, 1_048_576);
      const structure = {
        rows: Array.from({ length: 22_000 }, (_, index) => ({
          index,
          label: `row-${index}-ünï`,
          on: index % 2 === 0,
        })),
      };
      expect(JSON.stringify(structure).length).toBeGreaterThanOrEqual(1_048_576);
      await store.publish(
        publication([
          change('trip-large', 'new', [
            { name: 'Carried', details: { string } },
            { name: 'Carried', details: structure },
          ]),
        ]),
      );

      const [first, second] = await store.readEntity('trip-large');
      expect(
        (first?.details as { string?: string } | undefined)?.string === string,
        'the 1 MB string is identical',
      ).toBe(true);
      expect(second?.details).toEqual(structure);
    });

    it(`stores ${awkwardIds.length} entity ids and types that look like SQL as plain data, tables intact`, async () => {
      const store = await world.store();
      for (const id of awkwardIds) {
        await store.publish(publication([change(id, 'new', [id])], { actor: id }));
      }
      await store.publish(
        publication(awkwardIds.slice(0, 5).map((id) => change(id, 0, [`${id} again`]))),
      );

      const reader = await world.store();
      for (const [index, id] of awkwardIds.entries()) {
        const again = index < 5;
        expect(await reader.getEntity(id)).toEqual({ id, type: 'Thing', version: again ? 1 : 0 });
        const events = await reader.readEntity(id);
        expect(events.map((event) => [event.entityId, event.details, event.actor])).toEqual([
          [id, { note: id }, id],
          ...(again ? [[id, { note: `${id} again` }, 'conformance:suite']] : []),
        ]);
      }
      const log = await readLog(reader);
      expect(log).toHaveLength(awkwardIds.length + 5);
      expect(await reader.head()).toBe(awkwardIds.length + 1);
      const typed = awkwardIds
        .slice(0, 3)
        .map((type, index) => change(`trip-typed-${index}`, 'new', ['t'], type));
      await reader.publish(publication(typed));
      for (const [index, type] of awkwardIds.slice(0, 3).entries()) {
        expect(await reader.getEntity(`trip-typed-${index}`)).toEqual({
          id: `trip-typed-${index}`,
          type,
          version: 0,
        });
      }
    });

    it('keeps ids apart that differ only in case, trailing space, normalisation or ligature', async () => {
      const store = await world.store();
      for (const pair of distinctIds) {
        for (const id of pair) await store.publish(publication([change(id, 'new', [id])]));
      }

      for (const id of distinctIds.flat()) {
        expect(await store.getEntity(id)).toEqual({ id, type: 'Thing', version: 0 });
        expect((await store.readEntity(id)).map((event) => event.details)).toEqual([{ note: id }]);
      }
    });

    it(`returns timestamps to the millisecond: ${times.join(', ')}`, async () => {
      let now = new Date(0);
      const store = await world.store({ clock: () => now });
      for (const [index, time] of times.entries()) {
        now = new Date(time);
        await store.publish(
          publication([change('trip-time', index === 0 ? 'new' : index - 1, [time])]),
        );
      }

      const reader = await world.store();
      const events = await reader.readEntity('trip-time');
      expect(events.map((event) => event.timestamp.toISOString())).toEqual(times);
      expect(events.every((event) => event.timestamp instanceof Date)).toBe(true);
    });

    it('stamps events with the time of the store clock when it is the system clock', async () => {
      const store = await world.store();
      const before = Date.now();
      await store.publish(publication([change('trip-now', 'new', ['now'])]));
      const after = Date.now();

      const [event] = await store.readEntity('trip-now');
      expect(event?.timestamp.getTime()).toBeGreaterThanOrEqual(before);
      expect(event?.timestamp.getTime()).toBeLessThanOrEqual(after);
    });

    it('returns metadata: command, causation and correlation ids, headers; none as {}', async () => {
      const store = await world.store();
      const metadata = {
        commandId: 'cmd-🚀-1',
        causationId: 'cause-\'"-1',
        correlationId: 'corr-1',
        headers: { tenant: 'acme', 'x-ünï': '☃', empty: '', quote: '"\'' },
      };
      await store.publish(
        publication(
          [change('trip-meta', 'new', ['m0']), change('trip-meta-2', 'new', ['m1'])],
          metadata,
        ),
      );
      await store.publish(publication([change('trip-meta', 0, ['plain'])]));
      await store.publish(
        publication([change('trip-meta', 1, ['partial'])], { correlationId: 'corr-2' }),
      );

      const events = await store.readEntity('trip-meta');
      expect(events.map((event) => event.metadata)).toEqual([
        metadata,
        {},
        { correlationId: 'corr-2' },
      ]);
      expect((await store.readEntity('trip-meta-2'))[0]?.metadata).toEqual(metadata);
    });

    it('returns the actor, event name, schema version and a UUID v7 id for every event', async () => {
      const store = await world.store();
      const actor = 'user:Zoë 🚀 O\'Brien "admin" שלום';
      await store.publish(
        publication(
          [
            change('trip-ids', 'new', ['i0', { name: 'Counted', details: { count: 3 } }]),
            change('trip-ids-2', 'new', ['i2', 'i3']),
          ],
          { actor },
        ),
      );

      const log = await readLog(store);
      expect(log.map((event) => [event.name, event.actor, event.schemaVersion])).toEqual([
        ['Happened', actor, 1],
        ['Counted', actor, 1],
        ['Happened', actor, 1],
        ['Happened', actor, 1],
      ]);
      const ids = log.map((event) => event.id);
      for (const id of ids)
        expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      // UUID v7 ids of one publication increase in publication order.
      expect([...ids].sort()).toEqual(ids);
      expect(new Set(ids).size).toBe(ids.length);
    });
  });
}
