/**
 * Helpers for tests against a real PostgreSQL server: where it is, whether it
 * answers, and a throwaway schema per run. No vitest import, so writer
 * processes and other plain scripts may load it.
 */
import pg from 'pg';
import { checkedIdentifier, throwawayName } from '../servers/sql-identifier.js';
import { unreachable } from '../servers/test-server.js';

/** PostgreSQL's longest identifier, in bytes; ours are ASCII. */
const maxIdentifierLength = 63;

/** Where and how the helpers reach the PostgreSQL test server. */
export interface PostgresTestServerOptions {
  /** The server's URL (default: {@link postgresTestUrl}). */
  readonly url?: string;
  /** How long to wait for a connection, in milliseconds (default 3000). */
  readonly connectTimeout?: number;
}

/** Options of {@link createThrowawaySchema}. */
export interface ThrowawaySchemaOptions extends PostgresTestServerOptions {
  /** What the schema's name starts with (default `'factline_test'`). */
  readonly prefix?: string;
}

/** A schema created for one test run. */
export interface ThrowawaySchema {
  /** The schema's name; quote it in SQL (`"${name}"`) if it has capitals. */
  readonly name: string;
  /** The URL of the server it lives on. */
  readonly url: string;
  /** Drops the schema and everything in it; safe to call twice. */
  drop(): Promise<void>;
}

/**
 * The PostgreSQL test server's URL: `POSTGRES_URL`, else
 * `postgres://postgres@127.0.0.1:5432/test`. Read at each call.
 *
 * @returns The URL.
 */
export function postgresTestUrl(): string {
  return process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
}

/**
 * Tells whether the PostgreSQL test server answers, to skip its tests when it
 * does not — with a printed notice, never silently. With
 * `FACTLINE_REQUIRE_SERVERS=1` (set it in CI) an unreachable server is an
 * error instead, so a suite cannot skip there. Messages never show the
 * URL's password.
 *
 * @example
 * ```ts
 * const available = await postgresAvailable();
 * describe.skipIf(!available)('my read model on PostgreSQL', () => { ... });
 * ```
 *
 * @param options The server (default: {@link postgresTestUrl}).
 * @returns Whether to run the server's tests.
 * @throws {Error} When the server is unreachable and `FACTLINE_REQUIRE_SERVERS=1`.
 */
export async function postgresAvailable(options: PostgresTestServerOptions = {}): Promise<boolean> {
  const url = options.url ?? postgresTestUrl();
  try {
    await withClient({ ...options, url }, (client) => client.query('SELECT 1'));
    return true;
  } catch (error) {
    return unreachable({ label: 'PostgreSQL', url, variable: 'POSTGRES_URL' }, error);
  }
}

/**
 * Makes a fresh schema name for one test run, without creating the schema:
 * for code that creates its own, as `PostgresProvider` does on `migrate()`.
 * Drop it afterwards with {@link dropSchema}.
 *
 * @param prefix What the name starts with (default `'factline_test'`):
 *   letters, digits and underscores.
 * @returns A name such as `factline_test_4242_m1abcd_x7k2p9`.
 * @throws {TypeError} When the prefix would make an invalid name.
 */
export function throwawaySchemaName(prefix = 'factline_test'): string {
  return throwawayName(prefix, 'schema', maxIdentifierLength);
}

/**
 * Creates an empty schema for one test run, under a fresh name.
 *
 * @example
 * ```ts
 * const schema = await createThrowawaySchema();
 * try {
 *   // ... your tables in schema.name ...
 * } finally {
 *   await schema.drop();
 * }
 * ```
 *
 * @param options The server, and the name's prefix.
 * @returns The schema, with `drop()` to remove it.
 * @throws {TypeError} When the prefix would make an invalid name.
 */
export async function createThrowawaySchema(
  options: ThrowawaySchemaOptions = {},
): Promise<ThrowawaySchema> {
  const url = options.url ?? postgresTestUrl();
  const name = throwawaySchemaName(options.prefix);
  await withClient({ ...options, url }, (client) => client.query(`CREATE SCHEMA "${name}"`));
  return {
    name,
    url,
    drop: () => dropSchema(name, { ...options, url }),
  };
}

/**
 * Drops a schema and everything in it, if it exists.
 *
 * @param schema The schema's name: letters, digits and underscores.
 * @param options The server (default: {@link postgresTestUrl}).
 * @throws {TypeError} When the name is not a valid schema name; nothing is sent.
 */
export async function dropSchema(
  schema: string,
  options: PostgresTestServerOptions = {},
): Promise<void> {
  const name = checkedIdentifier(schema, 'schema', maxIdentifierLength);
  await withClient(options, (client) => client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`));
}

/** Runs `use` on a client of its own, then closes the client. */
async function withClient<T>(
  options: PostgresTestServerOptions,
  use: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({
    connectionString: options.url ?? postgresTestUrl(),
    connectionTimeoutMillis: options.connectTimeout ?? 3000,
  });
  try {
    await client.connect();
    return await use(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}
