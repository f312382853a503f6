/**
 * The MySQL / MariaDB server the integration tests use. Not part of the
 * package's API; no vitest import, so writer processes may load it.
 */
import mysql from 'mysql2/promise';

/** Where the MySQL suites connect; point it at your own server with MYSQL_URL. */
export const mysqlUrl = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

/** The URL without its password, for messages. */
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
 * Tells whether the test server answers. With FACTLINE_REQUIRE_SERVERS=1 (CI)
 * an unreachable server is an error, so a suite can never skip silently there.
 *
 * @returns Whether to run the server suites.
 * @throws {Error} When the server is required but unreachable.
 */
export async function mysqlAvailable(): Promise<boolean> {
  let connection: mysql.Connection | undefined;
  try {
    connection = await mysql.createConnection({ uri: mysqlUrl, connectTimeout: 3000 });
    await connection.query('SELECT 1');
    return true;
  } catch (error) {
    if (process.env.FACTLINE_REQUIRE_SERVERS === '1') {
      throw new Error(
        `MySQL at ${shownUrl()} is required (FACTLINE_REQUIRE_SERVERS=1) but unreachable`,
        { cause: error },
      );
    }
    console.warn(
      `MySQL at ${shownUrl()} is unreachable: skipping its suites (set MYSQL_URL, or FACTLINE_REQUIRE_SERVERS=1 to fail instead).`,
    );
    return false;
  } finally {
    await connection?.end().catch(() => undefined);
  }
}

/**
 * Creates a throwaway database name for one test run.
 *
 * @returns A fresh, valid database name.
 */
export function throwawayDatabase(): string {
  return `factline_test_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Runs statements on a connection of its own, then closes it.
 *
 * @param statements SQL without values (the names in it are ours).
 */
export async function adminQuery(...statements: string[]): Promise<void> {
  const connection = await mysql.createConnection(mysqlUrl);
  try {
    for (const statement of statements) await connection.query(statement);
  } finally {
    await connection.end();
  }
}

/**
 * Drops a database the tests created.
 *
 * @param database The database.
 */
export async function dropDatabase(database: string): Promise<void> {
  await adminQuery(`DROP DATABASE IF EXISTS \`${database}\``);
}
