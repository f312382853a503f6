/**
 * Helpers for tests against a real MySQL or MariaDB server: where it is,
 * whether it answers, and a throwaway database per run. No vitest import, so
 * writer processes and other plain scripts may load it.
 */
import mysql from 'mysql2/promise';
import { checkedIdentifier, throwawayName } from '../servers/sql-identifier.js';
import { unreachable } from '../servers/test-server.js';

/** MySQL's longest database name. */
const maxIdentifierLength = 64;

/** Where and how the helpers reach the MySQL test server. */
export interface MysqlTestServerOptions {
  /** The server's URL (default: {@link mysqlTestUrl}). */
  readonly url?: string;
  /** How long to wait for a connection, in milliseconds (default 3000). */
  readonly connectTimeout?: number;
}

/** Options of {@link createThrowawayDatabase}. */
export interface ThrowawayDatabaseOptions extends MysqlTestServerOptions {
  /** What the database's name starts with (default `'factline_test'`). */
  readonly prefix?: string;
}

/** A database created for one test run. */
export interface ThrowawayDatabase {
  /** The database's name. */
  readonly name: string;
  /** The URL of the server it lives on (naming whatever database it named). */
  readonly url: string;
  /** Drops the database and everything in it; safe to call twice. */
  drop(): Promise<void>;
}

/**
 * The MySQL test server's URL: `MYSQL_URL`, else
 * `mysql://root@127.0.0.1:3306/test`. Read at each call.
 *
 * @returns The URL.
 */
export function mysqlTestUrl(): string {
  return process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';
}

/**
 * Tells whether the MySQL test server answers, to skip its tests when it does
 * not — with a printed notice, never silently. With
 * `FACTLINE_REQUIRE_SERVERS=1` (set it in CI) an unreachable server is an
 * error instead, so a suite cannot skip there. Messages never show the
 * URL's password.
 *
 * @example
 * ```ts
 * const available = await mysqlAvailable();
 * describe.skipIf(!available)('my read model on MySQL', () => { ... });
 * ```
 *
 * @param options The server (default: {@link mysqlTestUrl}).
 * @returns Whether to run the server's tests.
 * @throws {Error} When the server is unreachable and `FACTLINE_REQUIRE_SERVERS=1`.
 */
export async function mysqlAvailable(options: MysqlTestServerOptions = {}): Promise<boolean> {
  const url = options.url ?? mysqlTestUrl();
  try {
    await withConnection({ ...options, url }, (connection) => connection.query('SELECT 1'));
    return true;
  } catch (error) {
    return unreachable({ label: 'MySQL', url, variable: 'MYSQL_URL' }, error);
  }
}

/**
 * Makes a fresh database name for one test run, without creating the
 * database: for code that creates its own, as `MysqlProvider` does on
 * `migrate()`. Drop it afterwards with {@link dropDatabase}.
 *
 * @param prefix What the name starts with (default `'factline_test'`):
 *   letters, digits and underscores.
 * @returns A name such as `factline_test_4242_m1abcd_x7k2p9`.
 * @throws {TypeError} When the prefix would make an invalid name.
 */
export function throwawayDatabaseName(prefix = 'factline_test'): string {
  return throwawayName(prefix, 'database', maxIdentifierLength);
}

/**
 * Creates an empty database (`utf8mb4`) for one test run, under a fresh name.
 *
 * @example
 * ```ts
 * const database = await createThrowawayDatabase();
 * try {
 *   // ... your tables in database.name ...
 * } finally {
 *   await database.drop();
 * }
 * ```
 *
 * @param options The server, and the name's prefix.
 * @returns The database, with `drop()` to remove it.
 * @throws {TypeError} When the prefix would make an invalid name.
 */
export async function createThrowawayDatabase(
  options: ThrowawayDatabaseOptions = {},
): Promise<ThrowawayDatabase> {
  const url = options.url ?? mysqlTestUrl();
  const name = throwawayDatabaseName(options.prefix);
  await withConnection({ ...options, url }, (connection) =>
    connection.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4`),
  );
  return {
    name,
    url,
    drop: () => dropDatabase(name, { ...options, url }),
  };
}

/**
 * Drops a database and everything in it, if it exists.
 *
 * @param database The database's name: letters, digits and underscores.
 * @param options The server (default: {@link mysqlTestUrl}).
 * @throws {TypeError} When the name is not a valid database name; nothing is sent.
 */
export async function dropDatabase(
  database: string,
  options: MysqlTestServerOptions = {},
): Promise<void> {
  const name = checkedIdentifier(database, 'database', maxIdentifierLength);
  await withConnection(options, (connection) =>
    connection.query(`DROP DATABASE IF EXISTS \`${name}\``),
  );
}

/** Runs `use` on a connection of its own, then closes the connection. */
async function withConnection<T>(
  options: MysqlTestServerOptions,
  use: (connection: mysql.Connection) => Promise<T>,
): Promise<T> {
  const connection = await mysql.createConnection({
    uri: options.url ?? mysqlTestUrl(),
    connectTimeout: options.connectTimeout ?? 3000,
  });
  try {
    return await use(connection);
  } finally {
    await connection.end().catch(() => undefined);
  }
}
