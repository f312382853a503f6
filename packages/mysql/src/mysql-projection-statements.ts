import { checkIdentifier } from './mysql-statements.js';

/**
 * The SQL of checkpoints and projector leases on MySQL (migration 4 creates
 * the tables). Names come from the provider's checked database and prefix
 * and are quoted with backticks; every value is a parameter.
 *
 * @param database The database the tables live in, or `undefined` for the connection's.
 * @param prefix Put before every table name.
 * @returns The statements.
 */
export function mysqlProjectionStatements(database: string | undefined, prefix: string) {
  if (database !== undefined) checkIdentifier(database, 'database');
  if (prefix !== '') checkIdentifier(prefix, 'tablePrefix');
  const table = (name: string) =>
    database === undefined ? `\`${prefix}${name}\`` : `\`${database}\`.\`${prefix}${name}\``;
  const projections = table('Projections');
  const leases = table('ProjectorLeases');
  // Leases are judged by the database's clock, so instances on different machines agree.
  const now = 'CAST(UNIX_TIMESTAMP(NOW(6)) * 1000 AS SIGNED)';
  return {
    // Rows of other protocol implementations may have a NULL position: that is position 0.
    readCheckpoint: `SELECT COALESCE(\`position\`, 0), event_id
      FROM ${projections} WHERE projector = ? AND source = ?`,
    // Compare-and-set of a stored checkpoint; it also locks the row until commit, so a
    // concurrent writer waits, then reads the moved checkpoint and matches nothing.
    // affectedRows counts matched rows: mysql2 sets CLIENT_FOUND_ROWS.
    moveCheckpoint: `UPDATE ${projections}
      SET \`position\` = ?, event_id = ?, updated_at = ?
      WHERE projector = ? AND source = ?
        AND COALESCE(\`position\`, 0) = ? AND event_id <=> ?`,
    // The first checkpoint: of concurrent writers, one inserts, the others get a duplicate key.
    insertCheckpoint: `INSERT INTO ${projections} (projector, source, \`position\`, event_id, updated_at)
      VALUES (?, ?, ?, ?, ?)`,
    deleteCheckpoint: `DELETE FROM ${projections} WHERE projector = ? AND source = ?`,
    // Renews the lease, or takes it over once expired. expires_at always moves on when
    // the row matches, so affectedRows is 1 then whether or not CLIENT_FOUND_ROWS is set.
    // (An upsert cannot say: with that flag, "unchanged" counts 1, as an insert does.)
    renewLease: `UPDATE ${leases}
      SET owner = ?, expires_at = GREATEST(expires_at + 1, ${now} + ?)
      WHERE projector = ? AND (owner = ? OR expires_at <= ${now})`,
    // A lease no one holds yet; a duplicate key means someone does.
    insertLease: `INSERT INTO ${leases} (projector, owner, expires_at) VALUES (?, ?, ${now} + ?)`,
    releaseLease: `DELETE FROM ${leases} WHERE projector = ? AND owner = ?`,
    begin: 'START TRANSACTION',
  };
}

/** The statements of one database and prefix. */
export type MysqlProjectionStatements = ReturnType<typeof mysqlProjectionStatements>;
