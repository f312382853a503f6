/**
 * The conformance harness of the PostgreSQL provider: a fresh schema per
 * test. Also the worker module that writer processes import (`connect`), so
 * it must not import vitest. Not part of the package's API.
 */
import type { Provider } from '@factline/core';
import type { ConformanceHarness, JsonValue } from '@factline/testing';
import { dropSchema, postgresTestUrl, throwawaySchemaName } from '@factline/testing/postgres';
import type { PostgresTransaction } from './postgres-pool.js';
import { PostgresProvider } from './postgres-provider.js';

/**
 * Opens the store a harness names, for a writer process; not migrated.
 *
 * @param config `{ url, schema }`.
 * @returns A provider on its own pool.
 */
export async function connect(config: JsonValue): Promise<Provider> {
  const { url, schema } = (config ?? {}) as { url?: unknown; schema?: unknown };
  if (typeof url !== 'string' || typeof schema !== 'string') {
    throw new Error('The PostgreSQL worker config is { url, schema }.');
  }
  return new PostgresProvider({ connectionString: url, schema, poolConfig: { max: 4 } });
}

/**
 * Creates a harness on a new, empty schema.
 *
 * @returns The harness; its cleanup drops the schema.
 */
export async function createPostgresHarness(): Promise<ConformanceHarness> {
  const url = postgresTestUrl();
  const schema = throwawaySchemaName();
  const table = `"${schema}".conformance_read_model`;
  return {
    async connect() {
      const provider = new PostgresProvider({
        connectionString: url,
        schema,
        poolConfig: { max: 4 },
      });
      await provider.migrate();
      return provider;
    },
    worker: { module: import.meta.url, config: { url, schema } },
    readModel: {
      async create(provider) {
        await (provider as PostgresProvider).pool.query({
          text: `CREATE TABLE IF NOT EXISTS ${table} (n BIGSERIAL PRIMARY KEY, value TEXT NOT NULL)`,
        });
      },
      async write(transaction, value) {
        await (transaction as PostgresTransaction).query(
          `INSERT INTO ${table} (value) VALUES ($1)`,
          [value],
        );
      },
      async read(provider) {
        const result = await (provider as PostgresProvider).pool.query<{ value: string }>({
          text: `SELECT value FROM ${table} ORDER BY n`,
        });
        return result.rows.map((row) => row.value);
      },
    },
    async cleanup() {
      await dropSchema(schema, { url });
    },
  };
}
