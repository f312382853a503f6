import { UnknownEventError } from '../errors/unknown-event-error.js';
import type { EventRegistry } from '../event/event-registry.js';
import { fromProtocolTimestamp } from '../event/timestamp.js';
import type { EventRow } from '../provider/provider.js';
import type { EventMetadata, StoredEvent } from './stored-event.js';

const noMetadata: EventMetadata = Object.freeze({});

/**
 * Turns a provider's row into the event the application sees.
 *
 * @param registry The store's events; a name it does not declare is an error.
 * @param row The stored row.
 * @returns The event, details parsed.
 */
export function eventFromRow<TRegistry extends EventRegistry>(
  registry: TRegistry,
  row: EventRow,
): StoredEvent<TRegistry> {
  if (!registry.has(row.name)) throw new UnknownEventError(row.name, registry.names);
  return {
    id: row.id,
    entityId: row.entityId,
    name: row.name,
    details: JSON.parse(row.details),
    ordinal: Number(row.ordinal),
    position: Number(row.position),
    actor: row.actor,
    timestamp: fromProtocolTimestamp(Number(row.timestamp)),
    schemaVersion: Number(row.schemaVersion),
    metadata: row.metadata === null ? noMetadata : JSON.parse(row.metadata),
  } as StoredEvent<TRegistry>;
}
