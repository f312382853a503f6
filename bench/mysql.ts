/**
 * The MariaDB / MySQL rows: factline's EventStore on MysqlProvider against
 * the fastest honest mysql2 code doing the same work, in a throwaway
 * database the bench creates (tables from the provider's own `migrate()`)
 * and drops.
 *
 * The raw floor makes one round trip per publication: a stored procedure,
 * called as a prepared statement, runs the whole transaction — version
 * compare-and-set, position, insert, commit — on the server.
 */
import { createRequire } from 'node:module';
import { MysqlProvider } from '@factline/mysql';
import mysql from 'mysql2/promise';
import type { RowResult } from './measure.js';
import { rawUuidV7 } from './raw-uuid-v7.js';
import { type EventRow, readEventsOf } from './read-event.js';
import { type RunCounts, serverNotes, serverRows } from './server-rows.js';
import {
  type AppendStats,
  firstEntityIds,
  type RawEvent,
  type RawReader,
  type RawWriter,
  type ServerTarget,
} from './server-target.js';
import { millisecondsPerDay } from './stored-timestamp.js';

/** Where the bench connects; the test server by default. */
const mysqlUrl = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
const database = `factline_bench_${process.pid}`;
const runs: RunCounts = { appendOne: 3, appendTen: 5, concurrent: 5, reads: 15 };
/** Binary collations that compare exactly, as the provider picks them. */
const exactCollations = ['utf8mb4_0900_bin', 'utf8mb4_nopad_bin'];

/** The bench database's URL. */
function databaseUrl(): string {
  const url = new URL(mysqlUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

function shownUrl(): string {
  try {
    const url = new URL(mysqlUrl);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return '(MYSQL_URL is not a URL)';
  }
}

/**
 * The raw floor's transaction, whole, in a stored procedure: one CALL, one
 * round trip. The compare-and-set is INSERT IGNORE for a new entity (0 rows:
 * it exists), UPDATE … WHERE version = expected otherwise; the position comes
 * from the `Head` row, locked until commit (`p_ordered`), or from a
 * sequence / AUTO_INCREMENT (the unordered floor); the events come as one
 * JSON array of [name, details text, id] and go in with one INSERT … SELECT
 * FROM JSON_TABLE. Returns the position, or NULL on a conflict.
 *
 * `raw_publish_command` takes a command id too, and records it in `Commands`
 * with the position and the entity's new version before the commit (a plain
 * insert: a repeat fails on its key).
 */
function publishProcedure(unorderedPosition: string, command: 'command' | 'none'): string {
  const [name, commandParameter, record] =
    command === 'command'
      ? [
          'raw_publish_command',
          ', IN p_command VARCHAR(255)',
          `INSERT INTO Commands (command_id, \`position\`, versions)
      VALUES (p_command, pos, JSON_ARRAY(JSON_OBJECT('id', p_entity, 'version', p_expected + n)));
    `,
        ]
      : ['raw_publish', '', ''];
  return `CREATE PROCEDURE ${name}(IN p_entity VARCHAR(255), IN p_type VARCHAR(255),
  IN p_expected BIGINT, IN p_actor TEXT, IN p_timestamp DOUBLE, IN p_events LONGTEXT,
  IN p_ordered BOOLEAN${commandParameter})
BEGIN
  DECLARE n INT DEFAULT JSON_LENGTH(p_events);
  DECLARE matched INT;
  DECLARE pos BIGINT;
  DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN ROLLBACK; RESIGNAL; END;
  START TRANSACTION;
  IF p_expected < 0 THEN
    INSERT IGNORE INTO Entities (id, type, version) VALUES (p_entity, p_type, n - 1);
    SET matched = ROW_COUNT();
  ELSE
    UPDATE Entities SET version = p_expected + n
      WHERE id = p_entity AND version = p_expected AND type = p_type;
    SET matched = ROW_COUNT();
  END IF;
  IF matched <> 1 THEN
    ROLLBACK;
    SELECT NULL;
  ELSE
    IF p_ordered THEN
      UPDATE Head SET \`position\` = LAST_INSERT_ID(\`position\` + 1) WHERE id = 1;
      SET pos = LAST_INSERT_ID();
    ELSE
      ${unorderedPosition}
    END IF;
    INSERT INTO Events
      (entity_id, name, details, actor, \`timestamp\`, ordinal, \`position\`, id, schema_version, metadata)
      SELECT p_entity, j.name, j.details, p_actor, p_timestamp, p_expected + j.n, pos, j.id, 1, NULL
      FROM JSON_TABLE(p_events, '$[*]' COLUMNS (
        n FOR ORDINALITY,
        name VARCHAR(255) PATH '$[0]',
        details LONGTEXT PATH '$[1]',
        id CHAR(36) PATH '$[2]')) AS j;
    ${record}COMMIT;
    SELECT pos;
  END IF;
END`;
}

/** The columns of an {@link EventRow}, `position` and `timestamp` quoted for MySQL. */
const readColumns =
  'id, entity_id, name, details, ordinal, `position`, actor, `timestamp`, schema_version, metadata';
const readEntitySql = `SELECT ${readColumns} FROM Events WHERE entity_id = ? ORDER BY ordinal`;
const readPositionsSql = `SELECT ${readColumns} FROM Events
  WHERE \`position\` > ? AND \`position\` <= ? ORDER BY \`position\`, id`;

/** What the MariaDB rows do, beyond the common notes. */
export const mysqlNotes: readonly string[] = serverNotes([
  "factline: one CALL of the provider's publish_batch procedure per group-committed batch (created by migrate()).",
  'raw floor (mysql2, READ COMMITTED): one CALL of a stored procedure per publication, a prepared statement —',
  '  START TRANSACTION; INSERT IGNORE "Entities" | UPDATE … WHERE version = expected AND type = type; ROW_COUNT();',
  '  UPDATE "Head" SET position = LAST_INSERT_ID(position + 1) (unordered 8-writer floor: NEXT VALUE FOR a sequence);',
  '  INSERT INTO "Events" … SELECT FROM JSON_TABLE(events); COMMIT.',
  'raw reads: one connection, prepared statements, rows as arrays.',
]);

interface ServerInfo {
  readonly version: string;
  readonly flushAtCommit: string;
  readonly binlog: string;
  readonly mariadb: boolean;
}
let serverInfo: ServerInfo | undefined;

/**
 * Tells why the section cannot run, if it cannot.
 *
 * @returns A reason, or `undefined` when the server answers.
 */
export async function mysqlUnavailable(): Promise<string | undefined> {
  let connection: mysql.Connection | undefined;
  try {
    connection = await mysql.createConnection({ uri: mysqlUrl, connectTimeout: 3000 });
    const [rows] = await connection.query({
      sql: 'SELECT VERSION(), @@innodb_flush_log_at_trx_commit, @@log_bin, @@sync_binlog',
      rowsAsArray: true,
    });
    const row = (rows as unknown[][])[0] ?? [];
    const version = String(row[0]);
    serverInfo = {
      version,
      flushAtCommit: String(row[1]),
      binlog: Number(row[2]) === 1 ? `on, sync_binlog ${String(row[3])}` : 'off',
      mariadb: version.includes('MariaDB'),
    };
    return undefined;
  } catch (error) {
    return `MySQL / MariaDB at ${shownUrl()} is unreachable (${String(error)}); set MYSQL_URL.`;
  } finally {
    await connection?.end().catch(() => undefined);
  }
}

/** The server and driver versions, for the table's title. */
export function mysqlTitle(): string {
  const require = createRequire(import.meta.url);
  const driver = require('mysql2/package.json') as { version: string };
  const info = serverInfo;
  const server = info?.mariadb === true ? `MariaDB ${info.version}` : `MySQL ${info?.version}`;
  return `${server}, mysql2 ${driver.version} — innodb_flush_log_at_trx_commit ${info?.flushAtCommit ?? '?'}, binlog ${info?.binlog ?? '?'}, database ${database} at ${shownUrl()}`;
}

/**
 * Measures the MariaDB / MySQL rows in a database of their own, dropped afterwards.
 *
 * @param log Where to say what is running.
 * @param include Which rows to run, by name.
 * @returns One result per row, in table order.
 */
export async function mysqlRows(
  log: (message: string) => void,
  include: (row: string) => boolean,
): Promise<RowResult[]> {
  const admin = await mysql.createConnection({ uri: mysqlUrl });
  try {
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``);
    const [available] = await admin.query({
      sql: 'SELECT COLLATION_NAME FROM information_schema.COLLATIONS WHERE COLLATION_NAME IN (?, ?)',
      values: exactCollations,
      rowsAsArray: true,
    });
    const names = new Set((available as string[][]).map((row) => row[0]));
    const collation = exactCollations.find((name) => names.has(name)) ?? 'utf8mb4_bin';
    // The procedure's parameters take the database's collation: the provider's columns' one.
    await admin.query(`CREATE DATABASE \`${database}\` CHARACTER SET utf8mb4 COLLATE ${collation}`);
    await admin.query(`USE \`${database}\``);
    const migrator = new MysqlProvider({ connectionString: databaseUrl() });
    await migrator.migrate();
    await migrator.close();
    let unorderedPosition: string;
    if (serverInfo?.mariadb === true) {
      await admin.query('CREATE SEQUENCE raw_position START WITH 1');
      unorderedPosition = 'SET pos = NEXT VALUE FOR raw_position;';
    } else {
      await admin.query(
        'CREATE TABLE raw_position (`position` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY)',
      );
      unorderedPosition = 'INSERT INTO raw_position VALUES (NULL); SET pos = LAST_INSERT_ID();';
    }
    await admin.query(publishProcedure(unorderedPosition, 'none'));
    await admin.query(publishProcedure(unorderedPosition, 'command'));
    return await serverRows(mysqlTarget(admin), log, include, runs);
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS \`${database}\``).catch(() => undefined);
    await admin.end();
  }
}

function mysqlTarget(admin: mysql.Connection): ServerTarget {
  return {
    provider: (options) => new MysqlProvider({ connectionString: databaseUrl(), ...options }),
    rawWriter: (order) => openRawWriter(order),
    rawReader: () => openRawReader(),
    reset: async () => {
      for (const table of ['Events', 'Entities', 'Commands']) {
        await admin.query(`TRUNCATE TABLE ${table}`);
      }
      await admin.query('UPDATE Head SET `position` = 0 WHERE id = 1');
      if (serverInfo?.mariadb === true) {
        await admin.query('ALTER SEQUENCE raw_position RESTART WITH 1');
      } else {
        await admin.query('TRUNCATE TABLE raw_position');
      }
    },
    appendStats: async () => {
      const [rows] = await admin.query({
        sql: `SELECT
          (SELECT COUNT(*) FROM Events),
          (SELECT COUNT(DISTINCT \`position\`) FROM Events),
          (SELECT COALESCE(MAX(\`position\`), 0) FROM Events),
          (SELECT COALESCE(SUM(version + 1), 0) FROM Entities),
          (SELECT COUNT(*) FROM Entities e WHERE NOT (e.version <=>
            (SELECT MAX(ordinal) FROM Events v WHERE v.entity_id = e.id))),
          (SELECT COALESCE(SUM(JSON_VALUE(details, '$.quantity')), 0) FROM Events),
          (SELECT details FROM Events WHERE entity_id IN (?, ?) AND ordinal = 0
            ORDER BY entity_id LIMIT 1),
          (SELECT COUNT(*) FROM Commands)`,
        values: [...firstEntityIds],
        rowsAsArray: true,
      });
      const row = (rows as unknown[][])[0] ?? [];
      const numbers = row.slice(0, 6).map(Number);
      return {
        events: numbers[0],
        positions: numbers[1],
        head: numbers[2],
        versionSum: numbers[3],
        versionMismatches: numbers[4],
        quantitySum: numbers[5],
        firstDetails: row[6] as string | null,
        commands: Number(row[7]),
      } as AppendStats;
    },
    fixtureWritten: async () => {
      await admin.query('ANALYZE TABLE Events, Entities');
    },
  };
}

async function openConnection(): Promise<mysql.Connection> {
  const connection = await mysql.createConnection({ uri: databaseUrl() });
  await connection.query('SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED');
  return connection;
}

async function openRawWriter(order: 'ordered' | 'unordered'): Promise<RawWriter> {
  const connection = await openConnection();
  const ordered = order === 'ordered' ? 1 : 0;
  return {
    async publish(
      entityId: string,
      type: string,
      expected: number,
      batch: readonly RawEvent[],
      commandId?: string,
    ) {
      const millis = Date.now();
      let json = '[';
      for (let index = 0; index < batch.length; index++) {
        const event = batch[index] as RawEvent;
        json += `${index === 0 ? '' : ','}[${JSON.stringify(event.name)},${JSON.stringify(JSON.stringify(event.details))},"${rawUuidV7(millis)}"]`;
      }
      json += ']';
      const timestamp = millis / millisecondsPerDay;
      const [results] =
        commandId === undefined
          ? await connection.execute(
              { sql: 'CALL raw_publish(?, ?, ?, ?, ?, ?, ?)', rowsAsArray: true },
              [entityId, type, expected, 'user:bench', timestamp, json, ordered],
            )
          : await connection.execute(
              { sql: 'CALL raw_publish_command(?, ?, ?, ?, ?, ?, ?, ?)', rowsAsArray: true },
              [entityId, type, expected, 'user:bench', timestamp, json, ordered, commandId],
            );
      const position = ((results as unknown[][][])[0]?.[0] ?? [])[0];
      if (position === null || position === undefined) throw new Error(`conflict on ${entityId}`);
      return expected + batch.length;
    },
    close: () => connection.end(),
  };
}

async function openRawReader(): Promise<RawReader> {
  const connection = await openConnection();
  return {
    async readEntity(entityId: string) {
      const [rows] = await connection.execute({ sql: readEntitySql, rowsAsArray: true }, [
        entityId,
      ]);
      return readEventsOf(rows as EventRow[]);
    },
    async readPositions(after: number, upTo: number) {
      const [rows] = await connection.execute({ sql: readPositionsSql, rowsAsArray: true }, [
        after,
        upTo,
      ]);
      return readEventsOf(rows as EventRow[]);
    },
    close: () => connection.end(),
  };
}
