import type { JsonValue } from '../event/json-schema-of.js';
import { fromProtocolTimestamp } from '../event/timestamp.js';
import type { SnapshotRow } from '../provider/provider.js';
import type { Snapshot } from './snapshot.js';

/**
 * Turns a provider's `Snapshots` row into a snapshot: numbers as numbers,
 * the state parsed, the time a `Date`.
 *
 * @param row The row, as a provider read it.
 * @returns The snapshot.
 * @throws {SyntaxError} The state is not JSON.
 */
export function snapshotFromRow(row: SnapshotRow): Snapshot {
  return {
    entityId: row.entityId,
    type: row.type,
    version: Number(row.version),
    schemaVersion: Number(row.schemaVersion),
    state: JSON.parse(row.state) as JsonValue,
    takenAt: fromProtocolTimestamp(Number(row.takenAt)),
  };
}
