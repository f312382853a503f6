/**
 * The SQL of `readFoldRows`: an entity's events with `after < ordinal <= upTo`,
 * only the columns of a fold row `[name, schemaVersion, details]`, in that
 * order, for a read with `rowsAsArray`; version 1 comes as `NULL`, which
 * mysql2 does not decode.
 *
 * @param database A checked database name, or `undefined` for the connection's.
 * @param prefix A checked table prefix.
 * @returns The statement's text.
 */
export function mysqlFoldStatement(database: string | undefined, prefix: string): string {
  const events =
    database === undefined ? `\`${prefix}Events\`` : `\`${database}\`.\`${prefix}Events\``;
  return `SELECT name, NULLIF(schema_version, 1), details FROM ${events}
    WHERE entity_id = ? AND ordinal > ? AND ordinal <= ? ORDER BY ordinal`;
}
