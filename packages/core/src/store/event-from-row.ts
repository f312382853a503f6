import { UnknownEventError } from '../errors/unknown-event-error.js';
import type { EventRegistry } from '../event/event-registry.js';
import { fromProtocolTimestamp } from '../event/timestamp.js';
import type { EventRow } from '../provider/provider.js';
import type { EventMetadata, StoredEvent } from './stored-event.js';

const noMetadata: EventMetadata = Object.freeze({});

/**
 * Turns a provider's row into the event the application sees. A row stored
 * at an older schema version is upcast to the latest, so readers see one shape.
 *
 * @param registry The store's events; a name it does not declare is an error.
 * @param row The stored row.
 * @returns The event, details parsed, at the latest schema version.
 * @throws {UnknownEventError} When the registry does not declare the event.
 * @throws {UpcastError} When a stored version cannot be upcast.
 */
export function eventFromRow<TRegistry extends EventRegistry>(
  registry: TRegistry,
  row: EventRow,
): StoredEvent<TRegistry> {
  const schemaVersion = registry.schemaVersions[row.name];
  if (schemaVersion === undefined) throw new UnknownEventError(row.name, registry.names);
  const storedVersion = Number(row.schemaVersion);
  const details = JSON.parse(row.details);
  return {
    id: row.id,
    entityId: row.entityId,
    name: row.name,
    // The common case — stored at the latest version — costs one comparison.
    details:
      storedVersion === schemaVersion
        ? details
        : registry.upcast(row.name, storedVersion, details, row),
    ordinal: Number(row.ordinal),
    position: Number(row.position),
    actor: row.actor,
    timestamp: fromProtocolTimestamp(Number(row.timestamp)),
    schemaVersion,
    metadata: row.metadata === null ? noMetadata : JSON.parse(row.metadata),
  } as StoredEvent<TRegistry>;
}
