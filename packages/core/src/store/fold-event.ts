import { UnknownEventError } from '../errors/unknown-event-error.js';
import type { EventDetails, EventName, EventRegistry } from '../event/event-registry.js';
import type { FoldRow } from '../provider/provider.js';

/**
 * An event as folding an aggregate needs it: its name, its details at the
 * latest schema version, and its ordinal — the event an aggregate's handler
 * is given. Read with `EventStore.readFoldEvents`.
 */
export type FoldEvent<TRegistry> = {
  [TName in EventName<TRegistry>]: {
    readonly name: TName;
    readonly details: EventDetails<TRegistry, TName>;
    /** 0-based place in the entity's history; the entity's version after it. */
    readonly ordinal: number;
  };
}[EventName<TRegistry>];

/**
 * Turns a provider's fold rows into events: details parsed, and upcast when
 * stored at an older schema version.
 *
 * @param registry The store's events; a name it does not declare is an error.
 * @param rows The rows, in ordinal order, the first one's ordinal `after + 1`.
 * @param after The ordinal the rows were read after.
 * @returns The events, in the same order.
 * @throws {UnknownEventError} When the registry does not declare an event.
 * @throws {UpcastError} When a stored version cannot be upcast (the error
 *   names no event id: a fold row has none).
 * @throws {SyntaxError | TypeError} When a row is not JSON, or not in a fold row's form.
 */
export function foldEventsFromRows<TRegistry extends EventRegistry>(
  registry: TRegistry,
  rows: readonly FoldRow[],
  after: number,
): FoldEvent<TRegistry>[] {
  const { names, schemaVersions } = registry;
  // A driver's name strings are new on every read, so a keyed lookup must hash each one first.
  // Comparing it with `===` to the few names this read has met is cheaper, and the registry's
  // own string, put in the event, makes the handler's lookup cheap too.
  const met: string[] = [];
  const metVersions: number[] = [];
  const events: FoldEvent<TRegistry>[] = new Array(rows.length);
  for (let index = 0; index < rows.length; index++) {
    // Indexes, not destructuring: this loop runs once per event of every load.
    const row = rows[index] as FoldRow;
    let name: string;
    let storedVersion: number;
    let details: unknown;
    if (typeof row === 'string') {
      const decoded: unknown = JSON.parse(row);
      if (!Array.isArray(decoded) || decoded.length !== 3 || typeof decoded[0] !== 'string') {
        throw new TypeError(
          `A fold row must be the JSON text of [name, schemaVersion, details]; got ${row.slice(0, 200)}`,
        );
      }
      name = decoded[0];
      storedVersion = decoded[1] === null ? 1 : Number(decoded[1]);
      details = decoded[2];
    } else {
      name = row[0];
      storedVersion = row[1] === null ? 1 : Number(row[1]);
      details = JSON.parse(row[2]);
    }
    let latestVersion: number | undefined;
    for (let slot = 0; slot < met.length; slot++) {
      if (met[slot] === name) {
        name = met[slot] as string;
        latestVersion = metVersions[slot];
        break;
      }
    }
    if (latestVersion === undefined) {
      latestVersion = schemaVersions[name];
      if (latestVersion === undefined) throw new UnknownEventError(name, names);
      if (met.length < maxMetNames) {
        name = names[names.indexOf(name)] as string;
        met.push(name);
        metVersions.push(latestVersion);
      }
    }
    events[index] = {
      name,
      // The common case — stored at the latest version — costs one comparison.
      details:
        storedVersion === latestVersion ? details : registry.upcast(name, storedVersion, details),
      ordinal: after + 1 + index,
    } as FoldEvent<TRegistry>;
  }
  return events;
}

/** How many names a read compares with `===` before it looks the others up by key. */
const maxMetNames = 8;
