/**
 * The SQL of checkpoints and projector leases on SQLite (migration 3 creates
 * the tables). Table names come from the provider's checked prefix; every
 * value is a parameter.
 */
export function sqliteProjectionStatements(prefix: string) {
  const projections = `"${prefix}Projections"`;
  const leases = `"${prefix}ProjectorLeases"`;
  return {
    readCheckpoint: `SELECT position, event_id FROM ${projections} WHERE projector = ? AND source = ?`,
    writeCheckpoint: `INSERT INTO ${projections} (source, position, projector, event_id, updated_at)
      VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (projector, source) DO UPDATE SET position = excluded.position,
        event_id = excluded.event_id, updated_at = excluded.updated_at`,
    deleteCheckpoint: `DELETE FROM ${projections} WHERE projector = ? AND source = ?`,
    // Taken when free, expired, or already ours; `changes` says whether it was.
    acquireLease: `INSERT INTO ${leases} (projector, owner, expires_at) VALUES (?, ?, ?)
      ON CONFLICT (projector) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
      WHERE ${leases}.owner = excluded.owner OR ${leases}.expires_at <= ?`,
    releaseLease: `DELETE FROM ${leases} WHERE projector = ? AND owner = ?`,
  };
}

/** The statements of one table prefix. */
export type SqliteProjectionStatements = ReturnType<typeof sqliteProjectionStatements>;
