/**
 * The SQL of checkpoints and projector leases on PostgreSQL (migration 3
 * creates the tables). Names come from the provider's checked schema and
 * prefix and are quoted; every value is a parameter.
 *
 * @param schema The schema, checked.
 * @param prefix The table prefix, checked.
 * @returns The statements.
 */
export function postgresProjectionStatements(schema: string, prefix: string) {
  const projections = `"${schema}"."${prefix}Projections"`;
  const leases = `"${schema}"."${prefix}ProjectorLeases"`;
  // Leases are judged by the database's clock, so instances on different machines agree.
  const now = '(extract(epoch from clock_timestamp()) * 1000)::bigint';
  return {
    // Rows of other protocol implementations may have a NULL position: that is position 0.
    readCheckpoint: `SELECT COALESCE(position, 0) AS position, event_id AS "eventId"
      FROM ${projections} WHERE projector = $1 AND source = $2`,
    // Compare-and-set of a stored checkpoint; it also locks the row until commit, so
    // a concurrent writer waits, then sees the moved checkpoint and changes nothing.
    moveCheckpoint: `UPDATE ${projections}
      SET position = $5, event_id = $6, updated_at = $7
      WHERE projector = $1 AND source = $2
        AND COALESCE(position, 0) = $3 AND event_id IS NOT DISTINCT FROM $4`,
    // The first checkpoint: of concurrent writers, one inserts, the others find the row.
    insertCheckpoint: `INSERT INTO ${projections} (projector, source, position, event_id, updated_at)
      VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT (projector, source) DO NOTHING`,
    deleteCheckpoint: `DELETE FROM ${projections} WHERE projector = $1 AND source = $2`,
    // Taken when free, expired, or already ours; the row count says whether it was.
    acquireLease: `INSERT INTO ${leases} AS lease (projector, owner, expires_at)
      VALUES ($1, $2, ${now} + $3::bigint)
      ON CONFLICT (projector) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
      WHERE lease.owner = EXCLUDED.owner OR lease.expires_at <= ${now}`,
    releaseLease: `DELETE FROM ${leases} WHERE projector = $1 AND owner = $2`,
  };
}

/** The statements of one schema and prefix. */
export type PostgresProjectionStatements = ReturnType<typeof postgresProjectionStatements>;
