/**
 * The PostgreSQL rows: factline's EventStore on PostgresProvider against the
 * fastest honest pg code doing the same work, in a throwaway schema the
 * bench creates (with the provider's own `migrate()`, so the tables and
 * indexes are the provider's) and drops.
 *
 * The raw floor makes one round trip per publication: one named (prepared)
 * statement does the version compare-and-set, takes the position and
 * inserts the events, and commits on its own (autocommit).
 */
import { createRequire } from 'node:module';
import { PostgresProvider } from '@factline/postgres';
import pg from 'pg';
import type { RowResult } from './measure.js';
import { rawUuidV7 } from './raw-uuid-v7.js';
import { eventRowColumns, noMetadata, type ReadEvent } from './read-event.js';
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
const postgresUrl = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `factline_bench_${process.pid}`;
const runs: RunCounts = { appendOne: 5, appendTen: 7, concurrent: 5, reads: 15 };

const quoted = (table: string) => `"${schema}"."${table}"`;
const entities = quoted('Entities');
const eventsTable = quoted('Events');
const head = quoted('Head');
const sequence = quoted('raw_position');
const insertColumns =
  'entity_id, name, details, actor, timestamp, ordinal, position, id, schema_version, metadata';

/**
 * One publication of one entity in one statement. The compare-and-set is an
 * INSERT … ON CONFLICT DO NOTHING for a new entity, an UPDATE … WHERE
 * version = $3 otherwise; the position comes from the `Head` row, locked
 * until commit (`ordered`), or from a sequence (`unordered`), only when the
 * compare-and-set matched a row; the events come in as arrays. The row count
 * is the number of events inserted: 0 means a conflict.
 *
 * Parameters: $1 entity id, $2 type, $3 expected version (-1: new), $4 event
 * count, $5 actor, $6 timestamp, $7 names, $8 details, $9 ids; with
 * `command`, $10 the command id, inserted into `Commands` in the same statement.
 */
function publishStatement(
  entity: 'new' | 'existing',
  order: 'ordered' | 'unordered',
  command: 'command' | 'none' = 'none',
): string {
  const compareAndSet =
    entity === 'new'
      ? `INSERT INTO ${entities} (id, type, version) VALUES ($1, $2, $4::int - 1)
           ON CONFLICT (id) DO NOTHING RETURNING 1`
      : `UPDATE ${entities} SET version = $3::bigint + $4::int
           WHERE id = $1 AND version = $3::bigint AND type = $2 RETURNING 1`;
  const position =
    order === 'ordered'
      ? `UPDATE ${head} SET position = position + 1
           WHERE id = 1 AND EXISTS (SELECT FROM cas) RETURNING position`
      : `SELECT nextval('${sequence}') AS position FROM cas`;
  // $10: the command id, recorded with the position and the entity's new version.
  const record =
    command === 'command'
      ? `, recorded AS (INSERT INTO ${quoted('Commands')} (command_id, position, versions)
           SELECT $10, pos.position,
             json_build_array(json_build_object('id', $1::text, 'version', $3::bigint + $4::int))::text
           FROM pos)`
      : '';
  return `WITH cas AS (${compareAndSet}), pos AS (${position})${record}
    INSERT INTO ${eventsTable} (${insertColumns})
    SELECT $1, e.name, e.details, $5, $6::float8, $3::bigint + e.n, pos.position, e.id, 1, NULL
    FROM pos, unnest($7::text[], $8::text[], $9::uuid[]) WITH ORDINALITY AS e(name, details, id, n)`;
}

const readEntitySql = `SELECT ${eventRowColumns} FROM ${eventsTable} WHERE entity_id = $1 ORDER BY ordinal`;
const readPositionsSql = `SELECT ${eventRowColumns} FROM ${eventsTable}
  WHERE position > $1 AND position <= $2 ORDER BY position, id`;

/** What the PostgreSQL rows do, beyond the common notes. */
export const postgresNotes: readonly string[] = serverNotes([
  'raw floor (pg, named statements, autocommit): one statement and one round trip per publication —',
  '  WITH cas AS (INSERT … ON CONFLICT DO NOTHING | UPDATE … WHERE version = $expected AND type = $type),',
  '  pos AS (UPDATE "Head" SET position = position + 1 … RETURNING position  |  nextval(sequence) for the',
  '  unordered 8-writer floor) INSERT INTO "Events" … FROM pos, unnest($names, $details, $ids); row count 0 = conflict.',
  'raw reads: one pg.Client, named statements, rows as arrays.',
]);

interface ServerInfo {
  readonly version: string;
  readonly synchronousCommit: string;
  readonly walSyncMethod: string;
}
let serverInfo: ServerInfo | undefined;

/**
 * Tells why the section cannot run, if it cannot.
 *
 * @returns A reason, or `undefined` when the server answers.
 */
export async function postgresUnavailable(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const { rows } = await client.query<{
      version: string;
      synchronous_commit: string;
      wal_sync_method: string;
    }>(
      `SELECT current_setting('server_version') AS version,
              current_setting('synchronous_commit') AS synchronous_commit,
              current_setting('wal_sync_method') AS wal_sync_method`,
    );
    const row = rows[0];
    serverInfo = {
      version: row?.version ?? '?',
      synchronousCommit: row?.synchronous_commit ?? '?',
      walSyncMethod: row?.wal_sync_method ?? '?',
    };
    return undefined;
  } catch (error) {
    return `PostgreSQL at ${shownUrl()} is unreachable (${String(error)}); set POSTGRES_URL.`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

function shownUrl(): string {
  try {
    const url = new URL(postgresUrl);
    if (url.password !== '') url.password = '***';
    return url.toString();
  } catch {
    return '(POSTGRES_URL is not a URL)';
  }
}

/** The server and driver versions, for the table's title. */
export function postgresTitle(): string {
  const require = createRequire(import.meta.url);
  const driver = require('pg/package.json') as { version: string };
  const info = serverInfo;
  return `PostgreSQL ${info?.version ?? '?'}, pg ${driver.version} — synchronous_commit ${info?.synchronousCommit ?? '?'}, wal_sync_method ${info?.walSyncMethod ?? '?'}, schema ${schema} at ${shownUrl()}`;
}

/**
 * Measures the PostgreSQL rows in a schema of their own, dropped afterwards.
 *
 * @param log Where to say what is running.
 * @param include Which rows to run, by name.
 * @returns One result per row, in table order.
 */
export async function postgresRows(
  log: (message: string) => void,
  include: (row: string) => boolean,
): Promise<RowResult[]> {
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  try {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    const migrator = new PostgresProvider({ connectionString: postgresUrl, schema });
    await migrator.migrate();
    await migrator.close();
    await admin.query(`CREATE SEQUENCE ${sequence}`);
    return await serverRows(postgresTarget(admin), log, include, runs);
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => undefined);
    await admin.end();
  }
}

function postgresTarget(admin: pg.Client): ServerTarget {
  return {
    provider: (options) =>
      new PostgresProvider({ connectionString: postgresUrl, schema, ...options }),
    rawWriter: (order) => openRawWriter(order),
    rawReader: () => openRawReader(),
    reset: async () => {
      await admin.query(`TRUNCATE ${eventsTable}, ${entities}, ${quoted('Commands')}`);
      await admin.query(`UPDATE ${head} SET position = 0 WHERE id = 1`);
      await admin.query(`SELECT setval('${sequence}', 1, false)`);
    },
    appendStats: async () => {
      const { rows } = await admin.query<Record<keyof AppendStats, string>>(
        `SELECT
        (SELECT count(*) FROM ${eventsTable}) AS "events",
        (SELECT count(DISTINCT position) FROM ${eventsTable}) AS "positions",
        (SELECT coalesce(max(position), 0) FROM ${eventsTable}) AS "head",
        (SELECT coalesce(sum(version + 1), 0) FROM ${entities}) AS "versionSum",
        (SELECT count(*) FROM ${entities} e WHERE e.version IS DISTINCT FROM
          (SELECT max(ordinal) FROM ${eventsTable} v WHERE v.entity_id = e.id)) AS "versionMismatches",
        (SELECT coalesce(sum((details::json->>'quantity')::int), 0) FROM ${eventsTable}) AS "quantitySum",
        (SELECT details FROM ${eventsTable} WHERE entity_id = ANY ($1) AND ordinal = 0
          ORDER BY entity_id LIMIT 1) AS "firstDetails",
        (SELECT count(*) FROM ${quoted('Commands')}) AS "commands"`,
        [firstEntityIds],
      );
      const row = rows[0] as Record<keyof AppendStats, string>;
      return {
        events: Number(row.events),
        positions: Number(row.positions),
        head: Number(row.head),
        versionSum: Number(row.versionSum),
        versionMismatches: Number(row.versionMismatches),
        quantitySum: Number(row.quantitySum),
        firstDetails: row.firstDetails,
        commands: Number(row.commands),
      };
    },
    fixtureWritten: async () => {
      await admin.query(`VACUUM ANALYZE ${eventsTable}`);
    },
  };
}

async function openRawWriter(order: 'ordered' | 'unordered'): Promise<RawWriter> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  const statements = {
    none: {
      new: { name: `raw-new-${order}`, text: publishStatement('new', order) },
      existing: { name: `raw-existing-${order}`, text: publishStatement('existing', order) },
    },
    command: {
      new: { name: `raw-new-${order}-command`, text: publishStatement('new', order, 'command') },
      existing: {
        name: `raw-existing-${order}-command`,
        text: publishStatement('existing', order, 'command'),
      },
    },
  };
  return {
    async publish(
      entityId: string,
      type: string,
      expected: number,
      batch: readonly RawEvent[],
      commandId?: string,
    ) {
      const count = batch.length;
      const millis = Date.now();
      const names: string[] = new Array(count);
      const details: string[] = new Array(count);
      const ids: string[] = new Array(count);
      for (let index = 0; index < count; index++) {
        const event = batch[index] as RawEvent;
        names[index] = event.name;
        details[index] = JSON.stringify(event.details);
        ids[index] = rawUuidV7(millis);
      }
      const forms = commandId === undefined ? statements.none : statements.command;
      const statement = expected < 0 ? forms.new : forms.existing;
      const result = await client.query({
        ...statement,
        values: [
          entityId,
          type,
          expected,
          count,
          'user:bench',
          millis / millisecondsPerDay,
          names,
          details,
          ids,
          ...(commandId === undefined ? [] : [commandId]),
        ],
      });
      if (result.rowCount !== count) throw new Error(`conflict on ${entityId}`);
      return expected + count;
    },
    close: () => client.end(),
  };
}

/**
 * A row as `rowMode: 'array'` gives it. BIGINTs come as strings, so this is
 * not read-event.ts's `EventRow`, and its event needs `Number()` for two fields.
 */
type RawRow = [
  string,
  string,
  string,
  string,
  string,
  string,
  string,
  number,
  number,
  string | null,
];

function rawEvent(row: RawRow): ReadEvent {
  return {
    id: row[0],
    entityId: row[1],
    name: row[2],
    details: JSON.parse(row[3]),
    ordinal: Number(row[4]),
    position: Number(row[5]),
    actor: row[6],
    timestamp: new Date(Math.round(row[7] * millisecondsPerDay)),
    schemaVersion: row[8],
    metadata: row[9] === null ? noMetadata : JSON.parse(row[9]),
  };
}

function rawEvents(rows: readonly RawRow[]): ReadEvent[] {
  const events: ReadEvent[] = new Array(rows.length);
  for (let index = 0; index < rows.length; index++) events[index] = rawEvent(rows[index] as RawRow);
  return events;
}

async function openRawReader(): Promise<RawReader> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  return {
    async readEntity(entityId: string) {
      const result = await client.query<RawRow>({
        name: 'raw-read-entity',
        text: readEntitySql,
        values: [entityId],
        rowMode: 'array',
      });
      return rawEvents(result.rows);
    },
    async readPositions(after: number, upTo: number) {
      const result = await client.query<RawRow>({
        name: 'raw-read-positions',
        text: readPositionsSql,
        values: [after, upTo],
        rowMode: 'array',
      });
      return rawEvents(result.rows);
    },
    close: () => client.end(),
  };
}
