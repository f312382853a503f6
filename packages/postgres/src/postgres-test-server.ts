import pg from 'pg';

/** Where the PostgreSQL suites connect; point it at your own server with POSTGRES_URL. */
export const postgresUrl = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Tells whether the test server answers. With FACTLINE_REQUIRE_SERVERS=1 (CI)
 * an unreachable server is an error, so a suite can never skip silently there.
 *
 * @returns Whether to run the server suites.
 */
export async function postgresAvailable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch (error) {
    if (process.env.FACTLINE_REQUIRE_SERVERS === '1') {
      throw new Error(
        `PostgreSQL at ${postgresUrl} is required (FACTLINE_REQUIRE_SERVERS=1) but unreachable`,
        {
          cause: error,
        },
      );
    }
    console.warn(
      `PostgreSQL at ${postgresUrl} is unreachable: skipping its suites (set POSTGRES_URL).`,
    );
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Creates a throwaway schema name for one test run.
 *
 * @returns A fresh, valid schema name.
 */
export function throwawaySchema(): string {
  return `factline_test_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * Drops a schema the tests created.
 *
 * @param schema The schema.
 */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}
