/**
 * The SQL of `readFoldRows`: an entity's events with `$2 < ordinal <= $3`,
 * only the columns of a fold row `[name, schemaVersion, details]`, in that
 * order. The provider reads it with `rowMode: 'array'`, so pg hands each row
 * over as an array and builds no object; version 1 comes as `NULL`, which pg
 * neither decodes nor parses.
 *
 * @param schema A checked schema name.
 * @param prefix A checked table prefix.
 * @returns The statement's text.
 */
export function postgresFoldStatement(schema: string, prefix: string): string {
  return `SELECT name, NULLIF(schema_version, 1), details FROM "${schema}"."${prefix}Events"
    WHERE entity_id = $1 AND ordinal > $2 AND ordinal <= $3 ORDER BY ordinal`;
}
