import { UnknownEventError } from '../errors/unknown-event-error.js';
import type { EventRegistry } from '../event/event-registry.js';
import type { PackedEventRow } from '../provider/provider.js';
import type { EventMetadata, StoredEvent } from './stored-event.js';

const noMetadata: EventMetadata = Object.freeze({});

/** A packed row, parsed: the row's columns in the order of {@link PackedEventRow}. */
export type PackedEventColumns = readonly [
  position: number,
  id: string,
  entityId: string,
  name: string,
  schemaVersion: number,
  details: unknown,
  actor: string,
  timestamp: number,
  ordinal: number,
  metadata: EventMetadata | null,
];

/**
 * Parses a packed row ({@link PackedEventRow}).
 *
 * @param packed The JSON text of the row.
 * @returns Its columns.
 * @throws {SyntaxError | TypeError} When the text is not a packed row.
 */
export function parsePackedRow(packed: PackedEventRow): PackedEventColumns {
  const row: unknown = JSON.parse(packed);
  if (!Array.isArray(row) || row.length !== 10 || typeof row[3] !== 'string') {
    throw new TypeError(
      `A packed event row must be the JSON text of [position, id, entityId, name, schemaVersion, details, actor, timestamp, ordinal, metadata]; got ${packed.slice(0, 200)}`,
    );
  }
  return row as unknown as PackedEventColumns;
}

/**
 * Turns a parsed packed row into the event the application sees: the same
 * event `eventFromRow` builds from the row's columns, with the same fields
 * in the same order (one object shape for handlers, whichever way a page
 * was read).
 *
 * @param registry The store's events; a name it does not declare is an error.
 * @param row The row's columns, from {@link parsePackedRow}.
 * @returns The event, details at the latest schema version.
 * @throws {UnknownEventError} When the registry does not declare the event.
 * @throws {UpcastError} When a stored version cannot be upcast.
 */
export function eventFromPackedColumns<TRegistry extends EventRegistry>(
  registry: TRegistry,
  row: PackedEventColumns,
): StoredEvent<TRegistry> {
  const name = row[3];
  const schemaVersion = registry.schemaVersions[name];
  if (schemaVersion === undefined) throw new UnknownEventError(name, registry.names);
  const storedVersion = row[4];
  return {
    id: row[1],
    entityId: row[2],
    name,
    // The common case — stored at the latest version — costs one comparison.
    details:
      storedVersion === schemaVersion
        ? row[5]
        : registry.upcast(name, storedVersion, row[5], { id: row[1], entityId: row[2] }),
    ordinal: row[8],
    position: row[0],
    actor: row[6],
    timestamp: new Date(row[7]),
    schemaVersion,
    metadata: row[9] ?? noMetadata,
  } as StoredEvent<TRegistry>;
}
