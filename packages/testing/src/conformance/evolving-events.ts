import { defineEvent, defineEvents } from '@factline/core';
import * as v from 'valibot';

const CityV1 = v.object({ city: v.string() });
const CityV2 = v.object({ place: v.object({ city: v.string(), country: v.string() }) });

/** An application when `Moved` was new; its other events carry any value, under odd names too. */
export const eventsAtV1 = defineEvents({
  Moved: CityV1,
  Carried: v.unknown(),
  'Odd "name" \\ ü ✓': v.unknown(),
});

/** The same application once `Moved` has evolved: its version 1 rows are upcast on read. */
export const eventsAtV2 = defineEvents({
  Moved: defineEvent({
    versions: [CityV1, CityV2],
    upcasters: { 1: ({ city }) => ({ place: { city, country: 'unknown' } }) },
  }),
  Carried: v.unknown(),
  'Odd "name" \\ ü ✓': v.unknown(),
});

/** Values whose JSON text a read must carry exactly. */
export const carried = [
  { note: 'ünïcødé \u2028 \\ "quoted" \t', nested: [1, 2.5, null, [true, false]] },
  '}]"[{',
  [0.1, 1e21, -3, 9007199254740991],
  null,
];
