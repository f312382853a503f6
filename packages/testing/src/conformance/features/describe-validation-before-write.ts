import { type EventInput, type FactlineErrorCode, isFactlineError } from '@factline/core';
import { describe, expect, it } from 'vitest';
import type { ConformanceEvents, ConformancePublication } from '../conformance-events.js';
import type { ConformanceWorld } from '../conformance-world.js';
import { expectNothingWritten, rejectionOf } from '../expect-nothing-written.js';
import { change, conformanceActor, publication } from '../publication-builders.js';

/** A publication that must fail with `code`, and the facts its error must carry. */
interface FailureCase {
  readonly failure: string;
  readonly code: FactlineErrorCode;
  readonly name: string;
  readonly publication: ConformancePublication;
  readonly facts?: Readonly<Record<string, unknown>>;
}

/** Entities every case touches; `seed` exists at version 1 before each case. */
const touched = ['seed', 'fresh', 'other'];

/**
 * A publication that would write to `seed` and `fresh` if it were valid,
 * with `last` as its last entity.
 */
function around(
  last: EventInput<ConformanceEvents>[],
  extra: Partial<ConformancePublication> = {},
): ConformancePublication {
  return publication(
    [change('seed', 1, ['s2']), change('fresh', 'new', ['f0']), change('other', 'new', last)],
    extra,
  );
}

const carried = (details: unknown): EventInput<ConformanceEvents>[] => [
  { name: 'Happened', details: { note: 'valid first' } },
  { name: 'Carried', details },
];

const cycle: Record<string, unknown> = { name: 'loop' };
cycle.self = cycle;

const cases: FailureCase[] = [
  {
    failure: 'a conflict on the last entity',
    code: 'CONCURRENCY',
    name: 'ConcurrencyError',
    publication: publication([
      change('seed', 1, ['s2']),
      change('fresh', 'new', ['f0']),
      change('seed-2', 4, ['x']),
    ]),
    facts: { entityId: 'seed-2', expectedVersion: 4, actualVersion: 0 },
  },
  {
    failure: 'an entity stored with another type',
    code: 'ENTITY_TYPE_MISMATCH',
    name: 'EntityTypeMismatchError',
    publication: publication([
      change('fresh', 'new', ['f0']),
      change('seed', 1, ['s2'], 'Invoice'),
    ]),
    facts: { entityId: 'seed', expectedType: 'Invoice', actualType: 'Thing' },
  },
  {
    failure: 'details that fail their schema',
    code: 'VALIDATION',
    name: 'ValidationError',
    publication: around([
      { name: 'Counted', details: { count: 2 } },
      { name: 'Counted', details: { count: 1.5 } },
    ]),
    facts: { eventName: 'Counted', entityId: 'other' },
  },
  {
    failure: 'an event name the registry does not declare',
    code: 'UNKNOWN_EVENT',
    name: 'UnknownEventError',
    publication: around([
      { name: 'Undeclared', details: {} } as unknown as EventInput<ConformanceEvents>,
    ]),
    facts: { eventName: 'Undeclared' },
  },
  {
    failure: 'a BigInt',
    code: 'SERIALIZATION',
    name: 'SerializationError',
    publication: around(carried({ amount: 10n })),
    facts: { path: 'details.amount' },
  },
  {
    failure: 'a cycle',
    code: 'SERIALIZATION',
    name: 'SerializationError',
    publication: around(carried({ nested: [cycle] })),
    facts: { path: 'details.nested[0].self' },
  },
  {
    failure: 'NaN',
    code: 'SERIALIZATION',
    name: 'SerializationError',
    publication: around(carried({ ratio: Number.NaN })),
    facts: { path: 'details.ratio' },
  },
  {
    failure: 'Infinity',
    code: 'SERIALIZATION',
    name: 'SerializationError',
    publication: around(carried([Number.NEGATIVE_INFINITY])),
    facts: { path: 'details[0]' },
  },
  {
    failure: 'a Date',
    code: 'SERIALIZATION',
    name: 'SerializationError',
    publication: around(carried({ at: new Date(0) })),
    facts: { path: 'details.at' },
  },
  {
    failure: 'undefined in an array',
    code: 'SERIALIZATION',
    name: 'SerializationError',
    publication: around(carried({ list: [1, undefined, 3] })),
    facts: { path: 'details.list[1]' },
  },
  {
    failure: 'a Map',
    code: 'SERIALIZATION',
    name: 'SerializationError',
    publication: around(carried(new Map([['key', 'value']]))),
    facts: { path: 'details' },
  },
  {
    failure: 'an empty actor',
    code: 'INVALID_ARGUMENT',
    name: 'InvalidArgumentError',
    publication: around(
      ['late'].map((note) => ({ name: 'Happened', details: { note } })),
      { actor: '' },
    ),
  },
  {
    failure: 'the same entity twice',
    code: 'INVALID_ARGUMENT',
    name: 'InvalidArgumentError',
    publication: publication([
      change('seed', 1, ['s2']),
      change('fresh', 'new', ['f0']),
      change('seed', 2, ['s3']),
    ]),
  },
  {
    failure: 'an entity without events',
    code: 'INVALID_ARGUMENT',
    name: 'InvalidArgumentError',
    publication: around([]),
  },
  {
    failure: 'no entities',
    code: 'INVALID_ARGUMENT',
    name: 'InvalidArgumentError',
    publication: { actor: conformanceActor, entities: [] },
  },
  {
    failure: 'an empty entity id',
    code: 'INVALID_ARGUMENT',
    name: 'InvalidArgumentError',
    publication: publication([change('seed', 1, ['s2']), change('', 'new', ['e0'])]),
  },
  {
    failure: 'an entity id of 256 characters',
    code: 'INVALID_ARGUMENT',
    name: 'InvalidArgumentError',
    publication: publication([change('seed', 1, ['s2']), change('x'.repeat(256), 'new', ['e0'])]),
  },
  {
    failure: 'an entity id with a lone surrogate (not well-formed UTF-16)',
    code: 'INVALID_ARGUMENT',
    name: 'InvalidArgumentError',
    publication: publication([change('seed', 1, ['s2']), change('lone-\uD800', 'new', ['e0'])]),
  },
  {
    failure: 'an actor with a lone surrogate',
    code: 'INVALID_ARGUMENT',
    name: 'InvalidArgumentError',
    publication: around(
      ['late'].map((note) => ({ name: 'Happened', details: { note } })),
      { actor: 'user-\uDC00' },
    ),
  },
  {
    failure: 'a command id with a lone surrogate',
    code: 'INVALID_ARGUMENT',
    name: 'InvalidArgumentError',
    publication: around([{ name: 'Happened', details: { note: 'o0' } }], { commandId: '\uD800' }),
  },
  {
    failure: 'an empty entity type',
    code: 'INVALID_ARGUMENT',
    name: 'InvalidArgumentError',
    publication: publication([change('seed', 1, ['s2']), change('fresh', 'new', ['f0'], '')]),
  },
  {
    failure: 'a negative expected version',
    code: 'INVALID_ARGUMENT',
    name: 'InvalidArgumentError',
    publication: publication([change('fresh', 'new', ['f0']), change('seed', -1, ['s2'])]),
  },
  {
    failure: 'a fractional expected version',
    code: 'INVALID_ARGUMENT',
    name: 'InvalidArgumentError',
    publication: publication([change('fresh', 'new', ['f0']), change('seed', 0.5, ['s2'])]),
  },
  {
    failure: 'an empty command id',
    code: 'INVALID_ARGUMENT',
    name: 'InvalidArgumentError',
    publication: around([{ name: 'Happened', details: { note: 'o0' } }], { commandId: '' }),
  },
  {
    failure: 'a header that is not a string',
    code: 'INVALID_ARGUMENT',
    name: 'InvalidArgumentError',
    publication: around([{ name: 'Happened', details: { note: 'o0' } }], {
      headers: { tenant: 7 } as unknown as Record<string, string>,
    }),
  },
];

/**
 * Invariant 4: a publication that cannot be written exactly — or at all —
 * fails with a typed error and writes nothing.
 *
 * @param world The current test's store.
 */
export function describeValidationBeforeWrite(world: ConformanceWorld): void {
  describe('invariant 4: failed publications write nothing', () => {
    for (const { failure, code, name, publication: failing, facts } of cases) {
      it(`fails with ${code} and writes nothing for ${failure}`, async () => {
        const store = await world.store();
        const observer = await world.store();
        await store.publish(
          publication([change('seed', 'new', ['s0', 's1']), change('seed-2', 'new', ['t0'])]),
        );

        const error = await expectNothingWritten([store, observer], [...touched, 'seed-2'], () =>
          rejectionOf(store.publish(failing)),
        );

        expect(isFactlineError(error, code), String(error)).toBe(true);
        expect(error).toMatchObject({ name, ...facts });
      });
    }
  });
}
