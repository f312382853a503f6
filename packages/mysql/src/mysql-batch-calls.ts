import type { ExpectedVersion, PublicationRecord } from '@factline/core';

/**
 * One CALL of the publish procedure (mysql-publish-procedure.ts): some
 * publications of a batch, in order, and the procedure's three arguments.
 * Publications are numbered from 1 within the CALL.
 */
export interface BatchCall {
  readonly publications: readonly PublicationRecord[];
  /**
   * One row per entity, publications in order and each one's entities in its
   * order: `[publication, commandId | null, entityCount, entityIndex (from 1),
   * id, type, expected, eventCount]`; `expected` is the version, -1 for
   * `'new'`, -2 for `'any'`.
   */
  readonly entitiesJson: string;
  /** The CALL's distinct entity ids in lock order (code points), when there are two or more. */
  readonly lockIdsJson: string | null;
  /**
   * The events, in runs of one entity's events with one actor and timestamp
   * (core gives a publication one of each): `[publication, entityId, ordinal,
   * anyIndex | null, actor, timestamp, [[name, details, id, schemaVersion,
   * metadata], …]]`. The ordinal is the first event's if its publication is
   * published; for an `'any'` entity it counts from the entity's first new
   * event, which the procedure reports as the `anyIndex`-th of its `'any'`
   * entities. `null` when the one publication is too large for one packet:
   * the caller inserts its events.
   */
  readonly eventsJson: string | null;
}

/** Room for the CALL's other bytes beyond its arguments. */
const callOverhead = 64;

/**
 * Splits a batch into as few CALLs as the packet size allows — one, unless
 * the batch is larger than `max_allowed_packet` — and encodes each CALL's
 * arguments. Each CALL is its own transaction; CALLs run in order, so
 * positions still follow batch order.
 *
 * Strings travel as JSON strings (`details` and `metadata` too: the
 * procedure unquotes them, and stores exactly the text core serialised).
 *
 * @param batch The publications, in order.
 * @param packetBudget The most bytes of values one statement may carry.
 * @returns The CALLs, in order.
 */
export function planBatchCalls(
  batch: readonly PublicationRecord[],
  packetBudget: number,
): BatchCall[] {
  const whole = encodeCall(batch, true);
  if (bytesAtMost(whole, packetBudget)) return [whole];
  // Larger than a packet: as many publications per CALL as fit, in order.
  const sizes = batch.map((publication) => bytesOf(encodeCall([publication], true)));
  const calls: BatchCall[] = [];
  let start = 0;
  while (start < batch.length) {
    let bytes = sizes[start] as number;
    let end = start + 1;
    while (end < batch.length && bytes + (sizes[end] as number) <= packetBudget) {
      bytes += sizes[end] as number;
      end++;
    }
    calls.push(encodeCall(batch.slice(start, end), bytes <= packetBudget));
    start = end;
  }
  return calls;
}

/**
 * The CALL of a publication with inline work: without its events, so that
 * the procedure leaves its transaction open — `Head` locked — for the caller
 * to insert them, run the work and commit.
 *
 * @param publication The publication.
 * @returns Its CALL, `eventsJson` `null`.
 */
export function planOpenCall(publication: PublicationRecord): BatchCall {
  return encodeCall([publication], false);
}

function encodeCall(publications: readonly PublicationRecord[], withEvents: boolean): BatchCall {
  const entityRows: unknown[] = [];
  const eventRows: unknown[] = [];
  const ids = new Set<string>();
  let anyIndex = 0;
  publications.forEach((publication, index) => {
    const number = index + 1;
    publication.entities.forEach((entity, entityIndex) => {
      ids.add(entity.id);
      entityRows.push([
        number,
        publication.commandId,
        publication.entities.length,
        entityIndex + 1,
        entity.id,
        entity.type,
        expectedCode(entity.expectedVersion),
        entity.events.length,
      ]);
      const any = entity.expectedVersion === 'any' ? anyIndex++ : null;
      if (!withEvents) return;
      let ordinal = firstOrdinal(entity.expectedVersion);
      let run: unknown[][] = [];
      entity.events.forEach((event, eventIndex) => {
        const previous = entity.events[eventIndex - 1];
        if (previous?.actor !== event.actor || previous.timestamp !== event.timestamp) {
          run = [];
          eventRows.push([number, entity.id, ordinal, any, event.actor, event.timestamp, run]);
        }
        run.push([event.name, event.details, event.id, event.schemaVersion, event.metadata]);
        ordinal++;
      });
    });
  });
  return {
    publications,
    entitiesJson: JSON.stringify(entityRows),
    // One order for every process: code points, as the server's binary collations sort.
    lockIdsJson: ids.size < 2 ? null : JSON.stringify([...ids].sort(compareCodePoints)),
    eventsJson: withEvents ? JSON.stringify(eventRows) : null,
  };
}

/** The procedure's `expected`: the version, or -1 for `'new'`, -2 for `'any'`. */
function expectedCode(expected: ExpectedVersion): number {
  if (expected === 'new') return -1;
  if (expected === 'any') return -2;
  return expected;
}

/** The ordinal of an entity's first new event if the publication is published; 0 for `'any'`, counted from there. */
function firstOrdinal(expected: ExpectedVersion): number {
  return typeof expected === 'number' ? expected + 1 : 0;
}

function bytesOf(call: BatchCall): number {
  let bytes = callOverhead;
  for (const text of [call.entitiesJson, call.lockIdsJson, call.eventsJson]) {
    if (text !== null) bytes += Buffer.byteLength(text);
  }
  return bytes;
}

/** Whether a CALL fits the budget, measuring its UTF-8 size only when the quick bound does not settle it. */
function bytesAtMost(call: BatchCall, budget: number): boolean {
  const characters =
    call.entitiesJson.length + (call.lockIdsJson?.length ?? 0) + (call.eventsJson?.length ?? 0);
  return callOverhead + characters * 3 <= budget || bytesOf(call) <= budget;
}

/**
 * Orders strings by code point, as binary collations of UTF-8 do (UTF-16
 * order differs above U+D7FF).
 *
 * @param a A well-formed string.
 * @param b Another.
 * @returns Negative, zero or positive, as `a` sorts before, with or after `b`.
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let index = 0; index < length; index++) {
    const x = a.codePointAt(index) as number;
    const y = b.codePointAt(index) as number;
    if (x !== y) return x - y;
    if (x > 0xffff) index++;
  }
  return a.length - b.length;
}
