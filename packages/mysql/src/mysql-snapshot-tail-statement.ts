import type { FoldRow, SnapshotAndTailRows } from '@factline/core';
import { toInteger } from './mysql-integer.js';

/**
 * The SQL of `readSnapshotAndTail`: one statement, so that loading an
 * aggregate from its snapshot is one round trip. For a read with
 * `rowsAsArray`, it returns, in this order:
 *
 * 1. one head row, always: `[head, NULL, state]`, where `head` is the JSON
 *    text of `[entity type, entity version, snapshot version, taken at]`
 *    (`null` for what is missing) and `state` the snapshot's text;
 * 2. the tail: fold rows `[name, schemaVersion, details]` (version 1 as
 *    `NULL`) of the events after the snapshot's version, or all of them.
 *
 * The snapshot is only one of the type and schema version asked for:
 * another one is ignored, so the tail then starts at the first event.
 * The head is text of an explicit collation, so that it meets the tables'
 * collation (whichever `migrate` chose) without a mix error in the union.
 * Parameters: entity id, type, schema version, entity id, entity id.
 *
 * @param database A checked database name, or `undefined` for the connection's.
 * @param prefix A checked table prefix.
 * @returns The statement's text.
 */
export function mysqlSnapshotTailStatement(database: string | undefined, prefix: string): string {
  const table = (name: string) =>
    database === undefined ? `\`${prefix}${name}\`` : `\`${database}\`.\`${prefix}${name}\``;
  return `WITH snapshot AS (
      SELECT version, state, taken_at FROM ${table('Snapshots')}
        WHERE entity_id = ? AND type = ? AND schema_version = ?
    )
    SELECT name, schema_version, details FROM (
      SELECT -1 AS ordinal,
          CAST(JSON_ARRAY(e.type, e.version, s.version, s.taken_at) AS CHAR CHARACTER SET utf8mb4)
            COLLATE utf8mb4_bin AS name,
          NULL AS schema_version, s.state AS details
        FROM (SELECT 1 AS one) AS one
        LEFT JOIN ${table('Entities')} AS e ON e.id = ?
        LEFT JOIN snapshot AS s ON TRUE
      UNION ALL
      SELECT ordinal, name, NULLIF(schema_version, 1), details FROM ${table('Events')}
        WHERE entity_id = ? AND ordinal > COALESCE((SELECT version FROM snapshot), -1)
    ) AS found
    ORDER BY ordinal`;
}

/** The head row's JSON: entity type and version, snapshot version and time. */
type Head = [string | null, number | string | null, number | string | null, number | null];

/**
 * Splits the statement's rows into the entity, the snapshot and the tail.
 *
 * @param entityId The entity read.
 * @param type The snapshot type asked for.
 * @param schemaVersion The snapshot schema version asked for.
 * @param rows The statement's rows, as arrays; the array is emptied of its head.
 * @returns What `readSnapshotAndTail` returns.
 */
export function snapshotAndTailFromRows(
  entityId: string,
  type: string,
  schemaVersion: number,
  rows: unknown[][],
): SnapshotAndTailRows {
  const first = rows.shift() as [string, null, string | null];
  const [entityType, entityVersion, version, takenAt] = JSON.parse(first[0]) as Head;
  return {
    entity:
      entityType === null
        ? undefined
        : { id: entityId, type: entityType, version: toInteger(entityVersion) },
    snapshot:
      version === null
        ? undefined
        : {
            entityId,
            type,
            version: toInteger(version),
            schemaVersion,
            state: first[2] as string,
            takenAt: Number(takenAt),
          },
    tail: rows as unknown as FoldRow[],
  };
}
