import type { EntityVersion, PublicationRecord, PublishOutcome } from '@factline/core';
import { toInteger } from './mysql-integer.js';

/**
 * A publication the publish procedure did not publish, numbered from 1 in
 * its CALL; entities are numbered from 1 in publication order.
 */
type Exception =
  | readonly [number, 'conflict', number, number | null]
  | readonly [number, 'type-mismatch', number, string]
  | readonly [number, 'duplicate', number, readonly EntityVersion[]];

/**
 * Turns the publish procedure's row into one outcome per publication. The
 * row lists only the exceptions — refused and duplicate publications — and
 * the first new ordinal of each `'any'` entity; every other publication was
 * published, at the next position from `firstPosition` on, in batch order,
 * its entities at the versions it expected plus its events.
 *
 * @param publications The publications of the CALL, in order.
 * @param row The procedure's row: the first position (`null` when none), then the
 *   exceptions and the `'any'` first ordinals, each a list of JSON items after
 *   commas; both lists may be left out when empty.
 * @returns The outcomes, in order.
 * @throws {Error} When the row does not fit the publications.
 */
export function readBatchOutcomes(
  publications: readonly PublicationRecord[],
  row: readonly unknown[],
): PublishOutcome[] {
  const exceptions = new Map<number, Exception>();
  for (const exception of listItems(row[1] ?? '') as Exception[]) {
    exceptions.set(exception[0], exception);
  }
  const anyFirsts = listItems(row[2] ?? '') as (number | null)[];
  let position = row[0] === null ? Number.NaN : toInteger(row[0]);
  let anyIndex = 0;
  return publications.map((publication, index) => {
    const { entities } = publication;
    const anyStart = anyIndex;
    for (const entity of entities) if (entity.expectedVersion === 'any') anyIndex++;
    const exception = exceptions.get(index + 1);
    if (exception === undefined) {
      let any = anyStart;
      const versions = entities.map((entity) => {
        const { expectedVersion } = entity;
        const first =
          expectedVersion === 'any'
            ? anyFirsts[any++]
            : expectedVersion === 'new'
              ? 0
              : expectedVersion + 1;
        if (typeof first !== 'number') throw unexpected(row);
        return { id: entity.id, version: first + entity.events.length - 1 };
      });
      if (Number.isNaN(position)) throw unexpected(row);
      return { kind: 'published', position: position++, versions };
    }
    if (exception[1] === 'duplicate') {
      return { kind: 'duplicate', position: toInteger(exception[2]), versions: exception[3] };
    }
    const entity = entities[exception[2] - 1];
    if (entity === undefined) throw unexpected(row);
    if (exception[1] === 'conflict') {
      return {
        kind: 'conflict',
        entityId: entity.id,
        expectedVersion: entity.expectedVersion,
        actualVersion: exception[3] === null ? null : toInteger(exception[3]),
      };
    }
    return {
      kind: 'type-mismatch',
      entityId: entity.id,
      expectedType: entity.type,
      actualType: exception[3],
    };
  });
}

/** The procedure's lists are JSON array items, each after a comma: `,1,2` → `[1, 2]`. */
function listItems(text: unknown): unknown[] {
  return text === '' ? [] : (JSON.parse(`[${String(text).slice(1)}]`) as unknown[]);
}

function unexpected(row: readonly unknown[]): Error {
  return new Error(
    `The publish procedure returned a row that does not fit its batch: ${JSON.stringify(row)}.`,
  );
}
