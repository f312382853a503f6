/**
 * The SQL of the SQLite provider, one place for every statement. Table names
 * come from a checked prefix and are quoted; every value is a parameter.
 */
export function sqliteStatements(prefix: string) {
  const table = (name: string) => `"${prefix}${name}"`;
  const entities = table('Entities');
  const events = table('Events');
  const commands = table('Commands');
  const migrations = table('Migrations');
  const snapshots = table('Snapshots');
  // The provider reads these rows as arrays: keep this order in step with its `EventColumns`.
  const eventColumns =
    'id, entity_id AS entityId, name, schema_version AS schemaVersion, details, actor, timestamp, ordinal, position, metadata';
  return {
    migrationsTable: `CREATE TABLE IF NOT EXISTS ${migrations} (
      version INTEGER NOT NULL PRIMARY KEY,
      description TEXT NOT NULL,
      applied_at REAL NOT NULL
    )`,
    currentMigration: `SELECT COALESCE(MAX(version), 0) FROM ${migrations}`,
    recordMigration: `INSERT INTO ${migrations} (version, description, applied_at) VALUES (?, ?, ?)`,
    migrations: [
      {
        version: 1,
        description: 'Entities, Events, Projections (the Common Protocol) and Commands',
        sql: `
          CREATE TABLE IF NOT EXISTS ${entities} (
            id TEXT NOT NULL PRIMARY KEY,
            type TEXT NOT NULL,
            version INT NOT NULL
          );
          CREATE TABLE IF NOT EXISTS ${events} (
            entity_id TEXT NOT NULL,
            name TEXT NOT NULL,
            details TEXT NOT NULL,
            actor TEXT NOT NULL,
            timestamp DECIMAL(12,7) NOT NULL DEFAULT (JulianDay(CURRENT_TIMESTAMP) - 2440587.5),
            ordinal INT NOT NULL,
            position BIGINT NOT NULL,
            id TEXT NOT NULL,
            schema_version INT NOT NULL DEFAULT 1,
            metadata TEXT,
            UNIQUE (entity_id, ordinal)
          );
          CREATE UNIQUE INDEX IF NOT EXISTS "${prefix}Events_id" ON ${events} (id);
          CREATE INDEX IF NOT EXISTS "${prefix}Events_position" ON ${events} (position);
          CREATE TABLE IF NOT EXISTS ${table('Projections')} (
            source TEXT NOT NULL PRIMARY KEY,
            position BIGINT
          );
          CREATE TABLE IF NOT EXISTS ${commands} (
            command_id TEXT NOT NULL PRIMARY KEY,
            position BIGINT NOT NULL,
            versions TEXT NOT NULL
          );`,
      },
      {
        version: 2,
        description: 'Snapshots',
        sql: `
          CREATE TABLE IF NOT EXISTS ${snapshots} (
            entity_id TEXT NOT NULL PRIMARY KEY,
            type TEXT NOT NULL,
            version INT NOT NULL,
            schema_version INT NOT NULL,
            state TEXT NOT NULL,
            taken_at REAL NOT NULL
          );`,
      },
      {
        version: 3,
        description: 'Projections per projector and source, with the event id; ProjectorLeases',
        // SQLite cannot change a primary key in place: the table is rebuilt,
        // keeping rows written by other protocol implementations (projector '').
        sql: `
          CREATE TABLE ${table('Projections_next')} (
            source TEXT NOT NULL,
            position BIGINT,
            projector TEXT NOT NULL DEFAULT '',
            event_id TEXT,
            updated_at REAL,
            PRIMARY KEY (projector, source)
          );
          INSERT INTO ${table('Projections_next')} (source, position)
            SELECT source, position FROM ${table('Projections')};
          DROP TABLE ${table('Projections')};
          ALTER TABLE ${table('Projections_next')} RENAME TO ${table('Projections')};
          CREATE TABLE IF NOT EXISTS ${table('ProjectorLeases')} (
            projector TEXT NOT NULL PRIMARY KEY,
            owner TEXT NOT NULL,
            expires_at BIGINT NOT NULL
          );`,
      },
    ],
    findCommand: `SELECT position, versions FROM ${commands} WHERE command_id = ?`,
    insertCommand: `INSERT INTO ${commands} (command_id, position, versions) VALUES (?, ?, ?)`,
    insertNewEntity: `INSERT INTO ${entities} (id, type, version) VALUES (?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    compareAndSetVersion: `UPDATE ${entities} SET version = ? WHERE id = ? AND version = ? AND type = ?`,
    getEntity: `SELECT id, type, version FROM ${entities} WHERE id = ?`,
    nextPosition: `SELECT COALESCE(MAX(position), 0) + 1 FROM ${events}`,
    headPosition: `SELECT COALESCE(MAX(position), 0) FROM ${events}`,
    insertEvent: `INSERT INTO ${events}
      (entity_id, name, details, actor, timestamp, ordinal, position, id, schema_version, metadata)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    readSnapshot: `SELECT entity_id AS entityId, type, version, schema_version AS schemaVersion, state, taken_at AS takenAt
      FROM ${snapshots} WHERE entity_id = ?`,
    // Replaces only an older snapshot: a late writer never puts an older state back.
    writeSnapshot: `INSERT INTO ${snapshots} (entity_id, type, version, schema_version, state, taken_at)
      VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (entity_id) DO UPDATE SET type = excluded.type, version = excluded.version,
        schema_version = excluded.schema_version, state = excluded.state, taken_at = excluded.taken_at
      WHERE ${snapshots}.version < excluded.version`,
    readEntity: `SELECT ${eventColumns} FROM ${events}
      WHERE entity_id = ? AND ordinal > ? AND ordinal <= ? ORDER BY ordinal`,
    // A fold row per event in one column, the JSON text of [name, schemaVersion, details]:
    // better-sqlite3 pays for every value it hands over, so one beats three.
    readFoldRows: `SELECT '[' || json_quote(name) || ',' || schema_version || ',' || details || ']'
      FROM ${events} WHERE entity_id = ? AND ordinal > ? AND ordinal <= ? ORDER BY ordinal`,
    // Within a position, rowid is insertion order: the order of the publication.
    readPositions: `SELECT ${eventColumns} FROM ${events}
      WHERE position > ? AND position <= ? ORDER BY position, rowid`,
    // The same rows, each packed into the JSON text of a PackedEventRow (one column, as the
    // fold rows). concat() (SQLite 3.44) builds it in one allocation, where a chain of || copies
    // the growing text at every step; the chain is for an older SQLite.
    readPackedPositions: `SELECT concat(${packedEventParts.join(', ')})
      FROM ${events} WHERE position > ? AND position <= ? ORDER BY position, rowid`,
    readPackedPositionsChained: `SELECT ${packedEventParts.join(' || ')}
      FROM ${events} WHERE position > ? AND position <= ? ORDER BY position, rowid`,
  };
}

/**
 * The pieces of a packed event row's text, in the order of `PackedEventRow`. The timestamp goes
 * as whole milliseconds: the text of a REAL has only 15 significant digits. round() is
 * Math.round for every time after 1970 (before it, a tie of exactly half a millisecond,
 * which only another writer could store, rounds away from zero).
 */
const packedEventParts = [
  "'['",
  'position',
  "','",
  'json_quote(id)',
  "','",
  'json_quote(entity_id)',
  "','",
  'json_quote(name)',
  "','",
  'schema_version',
  "','",
  'details',
  "','",
  'json_quote(actor)',
  "','",
  'CAST(round(timestamp * 86400000.0) AS INTEGER)',
  "','",
  'ordinal',
  "','",
  "coalesce(metadata, 'null')",
  "']'",
];

/** The statements of one table prefix. */
export type SqliteStatements = ReturnType<typeof sqliteStatements>;
