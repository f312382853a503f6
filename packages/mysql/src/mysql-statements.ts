import { InvalidArgumentError } from '@factline/core';
import { publishProcedure } from './mysql-publish-procedure.js';

const identifierPattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Quotes a configured name (database, table prefix) for MySQL after checking
 * it: letters, digits and underscores, not starting with a digit.
 *
 * @param name The name to check.
 * @param what How to name it in the error, e.g. `database`.
 * @returns The name, unchanged.
 * @throws {InvalidArgumentError} When the name holds anything else.
 */
export function checkIdentifier(name: string, what: string): string {
  if (!identifierPattern.test(name)) {
    throw new InvalidArgumentError(
      `${what} may hold only letters, digits and underscores, and must not start with a digit; got ${JSON.stringify(name)}.`,
    );
  }
  return name;
}

/**
 * Binary collations that compare strings exactly, trailing spaces included
 * (`NO PAD`), best first: MySQL 8's, MariaDB's. `utf8mb4_bin` is `PAD SPACE`,
 * where `'a'` and `'a '` are the same key; it is the last resort.
 */
export const exactCollations = ['utf8mb4_0900_bin', 'utf8mb4_nopad_bin'] as const;
const fallbackCollation = 'utf8mb4_bin';

/** The columns of `Events` as the provider reads them: keep in step with its `eventFromColumns`. */
const eventColumns =
  'id, entity_id, name, schema_version, details, actor, `timestamp`, ordinal, `position`, metadata';
const eventInsertColumns =
  '(entity_id, name, details, actor, `timestamp`, ordinal, `position`, id, schema_version, metadata)';

/**
 * The SQL of the MySQL provider, every statement in one place. Names come
 * from a checked database and prefix and are quoted with backticks; every
 * value is a parameter.
 *
 * @param database The database the tables live in, or `undefined` for the connection's.
 * @param prefix Put before every table name.
 */
export function mysqlStatements(database: string | undefined, prefix: string) {
  if (database !== undefined) checkIdentifier(database, 'database');
  if (prefix !== '') checkIdentifier(prefix, 'tablePrefix');
  const table = (name: string) =>
    database === undefined ? `\`${prefix}${name}\`` : `\`${database}\`.\`${prefix}${name}\``;
  const entities = table('Entities');
  const events = table('Events');
  const commands = table('Commands');
  const head = table('Head');
  const migrations = table('Migrations');
  const snapshots = table('Snapshots');
  const publishBatch = table('publish_batch');
  const options = (collation: string) =>
    `ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=${collation} ROW_FORMAT=DYNAMIC`;
  const text = (collation: string) => `CHARACTER SET utf8mb4 COLLATE ${collation}`;
  const insertEvents = memoise(
    (rows: number) =>
      `INSERT INTO ${events} ${eventInsertColumns} VALUES ${placeholders(rows, 10)}`,
  );
  return {
    currentDatabase: 'SELECT DATABASE()',
    databaseExists: 'SELECT COUNT(*) FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
    createDatabase:
      database === undefined
        ? undefined
        : `CREATE DATABASE IF NOT EXISTS \`${database}\` CHARACTER SET utf8mb4`,
    /** The first of {@link exactCollations} the server has, else `utf8mb4_bin`. */
    collations: `SELECT COLLATION_NAME FROM information_schema.COLLATIONS WHERE COLLATION_NAME IN (${exactCollations.map(() => '?').join(', ')})`,
    fallbackCollation,
    // Two processes migrating at once queue on this session lock instead of racing;
    // DDL commits implicitly, so a transaction could not serialise them.
    getLock: 'SELECT GET_LOCK(?, ?)',
    releaseLock: 'SELECT RELEASE_LOCK(?)',
    migrationsTable: (collation: string) => `CREATE TABLE IF NOT EXISTS ${migrations} (
      version INT NOT NULL PRIMARY KEY,
      description TEXT NOT NULL,
      applied_at DOUBLE NOT NULL
    ) ${options(collation)}`,
    currentMigration: `SELECT COALESCE(MAX(version), 0) FROM ${migrations}`,
    recordMigration: `INSERT INTO ${migrations} (version, description, applied_at) VALUES (?, ?, ?)`,
    /** Each statement is idempotent: DDL commits on its own, so a crash may stop half-way. */
    migrations: (collation: string) => [
      {
        version: 1,
        description: 'Entities, Events, Projections (the Common Protocol), Commands and Head',
        statements: [
          `CREATE TABLE IF NOT EXISTS ${entities} (
            id VARCHAR(255) ${text(collation)} NOT NULL PRIMARY KEY,
            type VARCHAR(255) ${text(collation)} NOT NULL,
            version BIGINT NOT NULL
          ) ${options(collation)}`,
          // Clustered by position: appends go to the end of the tree, and
          // readers of the log scan it in order.
          `CREATE TABLE IF NOT EXISTS ${events} (
            entity_id VARCHAR(255) ${text(collation)} NOT NULL,
            name VARCHAR(255) ${text(collation)} NOT NULL,
            details LONGTEXT ${text(collation)} NOT NULL,
            actor TEXT ${text(collation)} NOT NULL,
            \`timestamp\` DOUBLE NOT NULL,
            ordinal BIGINT NOT NULL,
            \`position\` BIGINT NOT NULL,
            id CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
            schema_version INT NOT NULL DEFAULT 1,
            metadata MEDIUMTEXT ${text(collation)} NULL,
            PRIMARY KEY (\`position\`, id),
            UNIQUE KEY \`${prefix}Events_entity_ordinal\` (entity_id, ordinal),
            UNIQUE KEY \`${prefix}Events_id\` (id)
          ) ${options(collation)}`,
          `CREATE TABLE IF NOT EXISTS ${table('Projections')} (
            source VARCHAR(255) ${text(collation)} NOT NULL PRIMARY KEY,
            \`position\` BIGINT NULL
          ) ${options(collation)}`,
          `CREATE TABLE IF NOT EXISTS ${commands} (
            command_id VARCHAR(255) ${text(collation)} NOT NULL PRIMARY KEY,
            \`position\` BIGINT NOT NULL,
            versions MEDIUMTEXT ${text(collation)} NOT NULL
          ) ${options(collation)}`,
          `CREATE TABLE IF NOT EXISTS ${head} (
            id INT NOT NULL PRIMARY KEY CHECK (id = 1),
            \`position\` BIGINT NOT NULL
          ) ${options(collation)}`,
          `INSERT IGNORE INTO ${head} (id, \`position\`)
            SELECT 1, COALESCE(MAX(\`position\`), 0) FROM ${events}`,
        ],
      },
      {
        version: 2,
        description: 'Snapshots',
        statements: [
          `CREATE TABLE IF NOT EXISTS ${snapshots} (
            entity_id VARCHAR(255) ${text(collation)} NOT NULL PRIMARY KEY,
            type VARCHAR(255) ${text(collation)} NOT NULL,
            version BIGINT NOT NULL,
            schema_version INT NOT NULL,
            state LONGTEXT ${text(collation)} NOT NULL,
            taken_at DOUBLE NOT NULL
          ) ${options(collation)}`,
        ],
      },
      {
        version: 3,
        description: 'publish_batch(): a batch of publications in one CALL',
        statements: replaceProcedure(
          publishBatch,
          publishProcedure(publishBatch, { entities, events, commands, head }, collation),
        ),
      },
      {
        version: 4,
        description: 'Projections per projector and source, with the event id; ProjectorLeases',
        // Rows written by other protocol implementations stay, with projector ''.
        // One ALTER: it applies whole or not at all, and runs again only while undone.
        statements: [
          ...unlessColumnExists(
            database,
            `${prefix}Projections`,
            'projector',
            `ALTER TABLE ${table('Projections')}
              ADD COLUMN projector VARCHAR(255) ${text(collation)} NOT NULL DEFAULT '' FIRST,
              ADD COLUMN event_id VARCHAR(255) ${text(collation)} NULL,
              ADD COLUMN updated_at DOUBLE NULL,
              DROP PRIMARY KEY,
              ADD PRIMARY KEY (projector, source)`,
          ),
          `CREATE TABLE IF NOT EXISTS ${table('ProjectorLeases')} (
            projector VARCHAR(255) ${text(collation)} NOT NULL PRIMARY KEY,
            owner VARCHAR(255) ${text(collation)} NOT NULL,
            expires_at BIGINT NOT NULL
          ) ${options(collation)}`,
        ],
      },
    ],
    maxAllowedPacket: 'SELECT @@max_allowed_packet',
    /**
     * A batch of publications, its three JSON arguments built by
     * `planBatchCalls`: one round trip. Returns one row, which
     * `readBatchOutcomes` reads.
     */
    publishBatch: `CALL ${publishBatch}(?, ?, ?)`,
    commit: 'COMMIT',
    rollback: 'ROLLBACK',
    /**
     * For read models on a pool the provider opened: read committed. Batches
     * set their own transaction's level, whatever the session's.
     */
    readCommittedSession: 'SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED',
    /** `rows` events, 10 values each: a publication too large for one CALL. */
    insertEvents,
    getEntity: `SELECT id, type, version FROM ${entities} WHERE id = ?`,
    headPosition: `SELECT COALESCE(MAX(\`position\`), 0) FROM ${events}`,
    readSnapshot: `SELECT entity_id, type, version, schema_version, state, taken_at
      FROM ${snapshots} WHERE entity_id = ?`,
    // Replaces only an older snapshot: a late writer never puts an older state
    // back. Assignments run left to right, so \`version\` moves last. VALUES()
    // rather than a row alias: MariaDB has no alias.
    writeSnapshot: `INSERT INTO ${snapshots} (entity_id, type, version, schema_version, state, taken_at)
      VALUES (?, ?, ?, ?, ?, ?)
      ON DUPLICATE KEY UPDATE
        type = IF(version < VALUES(version), VALUES(type), type),
        schema_version = IF(version < VALUES(version), VALUES(schema_version), schema_version),
        state = IF(version < VALUES(version), VALUES(state), state),
        taken_at = IF(version < VALUES(version), VALUES(taken_at), taken_at),
        version = GREATEST(version, VALUES(version))`,
    readEntity: `SELECT ${eventColumns} FROM ${events}
      WHERE entity_id = ? AND ordinal > ? AND ordinal <= ? ORDER BY ordinal`,
    // Core makes a publication's ids increase in publication order (UUID v7).
    readPositions: `SELECT ${eventColumns} FROM ${events}
      WHERE \`position\` > ? AND \`position\` <= ? ORDER BY \`position\`, id`,
  };
}

/** The statements of one database and prefix. */
export type MysqlStatements = ReturnType<typeof mysqlStatements>;

/**
 * The statements of a migration step that runs `ddl` only while `column` is
 * missing from `table`: MySQL 8, unlike MariaDB, has no `ADD COLUMN IF NOT
 * EXISTS`, and a crash may stop a migration after its DDL committed.
 *
 * @param database The checked database, or `undefined` for the connection's.
 * @param table The table's unquoted, checked name.
 * @param column The column whose presence says the step is done.
 * @param ddl The statement.
 * @returns The statements, for the migration's connection.
 */
function unlessColumnExists(
  database: string | undefined,
  table: string,
  column: string,
  ddl: string,
): string[] {
  const schema = database === undefined ? 'DATABASE()' : `'${database}'`;
  return [
    `SET @factline_ddl = IF(EXISTS(SELECT 1 FROM information_schema.COLUMNS
      WHERE TABLE_SCHEMA = ${schema} AND TABLE_NAME = '${table}' AND COLUMN_NAME = '${column}'),
      'DO 0', '${ddl.replaceAll("'", "''")}')`,
    'PREPARE factline_ddl FROM @factline_ddl',
    'EXECUTE factline_ddl',
    'DEALLOCATE PREPARE factline_ddl',
  ];
}

/**
 * The statements of a migration that creates or changes a stored procedure.
 * A later change of the procedure is a new migration made with this: it runs
 * under the migration lock, and each statement may run again after a crash.
 * A change to what the procedure takes gets a new name, so that processes
 * still running the older code keep calling the one they know.
 *
 * The body is parsed in the `sql_mode` it is created in and keeps it: a fixed
 * one makes it the same whatever the session's modes (`ANSI_QUOTES`, strict
 * or not). The provider closes the migration's connection afterwards.
 *
 * @param name The procedure's quoted name.
 * @param create Its `CREATE PROCEDURE` statement.
 * @returns The migration's statements.
 */
function replaceProcedure(name: string, create: string): string[] {
  return [
    "SET SESSION sql_mode = 'STRICT_ALL_TABLES,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'",
    `DROP PROCEDURE IF EXISTS ${name}`,
    create,
  ];
}

function placeholders(rows: number, columns: number): string {
  const row = `(${new Array(columns).fill('?').join(', ')})`;
  return new Array(rows).fill(row).join(', ');
}

function memoise(build: (count: number) => string): (count: number) => string {
  const built = new Map<number, string>();
  return (count) => {
    let sql = built.get(count);
    if (sql === undefined) {
      sql = build(count);
      built.set(count, sql);
    }
    return sql;
  };
}
