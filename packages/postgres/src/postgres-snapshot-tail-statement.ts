import type { FoldRow, SnapshotAndTailRows } from '@factline/core';

/**
 * The SQL of `readSnapshotAndTail`: one statement, so that loading an
 * aggregate from its snapshot is one round trip. For a read with
 * `rowMode: 'array'`, it returns, in this order:
 *
 * 1. one head row, always: `[head, NULL, state]`, where `head` is the JSON
 *    text of `[entity type, entity version, snapshot version, taken at]`
 *    (`null` for what is missing) and `state` the snapshot's text;
 * 2. the tail: fold rows `[name, schemaVersion, details]` (version 1 as
 *    `NULL`) of the events after the snapshot's version, or all of them.
 *
 * The snapshot is only one of type $2 and schema version $3: another one
 * is ignored, so the tail then starts at the first event.
 *
 * The tail's upper bound is for the planner: it estimates a range with an
 * unknown end narrow, and reads the index; a bare `ordinal > (SELECT …)`
 * it estimates at a third of the entity's events, and when one entity
 * holds most of the table, the generic plan of the prepared statement then
 * scans the whole table.
 *
 * @param schema A checked schema name.
 * @param prefix A checked table prefix.
 * @returns The statement's text.
 */
export function postgresSnapshotTailStatement(schema: string, prefix: string): string {
  const name = (table: string) => `"${schema}"."${prefix}${table}"`;
  return `WITH snapshot AS (
      SELECT version, state, taken_at FROM ${name('Snapshots')}
        WHERE entity_id = $1 AND type = $2 AND schema_version = $3
    )
    SELECT name, schema_version, details FROM (
      SELECT -1 AS ordinal, json_build_array(e.type, e.version, s.version, s.taken_at)::text AS name,
          NULL::int AS schema_version, s.state AS details
        FROM (SELECT) AS one
        LEFT JOIN ${name('Entities')} AS e ON e.id = $1
        LEFT JOIN snapshot AS s ON true
      UNION ALL
      SELECT ordinal, name, NULLIF(schema_version, 1), details FROM ${name('Events')}
        WHERE entity_id = $1 AND ordinal > COALESCE((SELECT version FROM snapshot), -1)
          AND ordinal <= ${Number.MAX_SAFE_INTEGER}
    ) AS rows
    ORDER BY ordinal`;
}

/** The head row's JSON: entity type and version, snapshot version and time. */
type Head = [string | null, number | null, number | null, number | null];

/**
 * Splits the statement's rows into the entity, the snapshot and the tail.
 *
 * @param entityId The entity read.
 * @param type The snapshot type asked for ($2).
 * @param schemaVersion The snapshot schema version asked for ($3).
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
        : { id: entityId, type: entityType, version: Number(entityVersion) },
    snapshot:
      version === null
        ? undefined
        : {
            entityId,
            type,
            version,
            schemaVersion,
            state: first[2] as string,
            takenAt: Number(takenAt),
          },
    tail: rows as unknown as FoldRow[],
  };
}
