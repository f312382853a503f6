/**
 * The conformance harness of the MySQL provider: a fresh database per test.
 * Also the worker module that writer processes import (`connect`), so it
 * must not import vitest. Not part of the package's API.
 */
import type { Provider } from '@factline/core';
import type { ConformanceHarness, JsonValue } from '@factline/testing';
import { createThrowawayDatabase } from '@factline/testing/mysql';
import type { MysqlTransaction } from './mysql-pool.js';
import { MysqlProvider } from './mysql-provider.js';

/**
 * Opens the store a harness names, for a writer process; not migrated.
 *
 * @param config `{ url, database }`.
 * @returns A provider on its own pool.
 */
export async function connect(config: JsonValue): Promise<Provider> {
  const { url, database } = (config ?? {}) as { url?: unknown; database?: unknown };
  if (typeof url !== 'string' || typeof database !== 'string') {
    throw new Error('The MySQL worker config is { url, database }.');
  }
  return new MysqlProvider({ connectionString: url, database });
}

/**
 * Creates a harness on a new, empty database.
 *
 * @returns The harness; its cleanup drops the database.
 */
export async function createMysqlHarness(): Promise<ConformanceHarness> {
  const throwaway = await createThrowawayDatabase();
  const { name: database, url } = throwaway;
  const table = `\`${database}\`.conformance_read_model`;
  return {
    async connect() {
      const provider = new MysqlProvider({ connectionString: url, database });
      await provider.migrate();
      return provider;
    },
    worker: { module: import.meta.url, config: { url, database } },
    readModel: {
      // Before any transaction: DDL commits implicitly in MySQL.
      async create(provider) {
        await (provider as MysqlProvider).pool.query(
          `CREATE TABLE IF NOT EXISTS ${table} (n BIGINT AUTO_INCREMENT PRIMARY KEY, value TEXT NOT NULL)`,
        );
      },
      async write(transaction, value) {
        await (transaction as MysqlTransaction).execute(`INSERT INTO ${table} (value) VALUES (?)`, [
          value,
        ]);
      },
      async read(provider) {
        const [rows] = await (provider as MysqlProvider).pool.query(
          `SELECT value FROM ${table} ORDER BY n`,
        );
        return (rows as { value: string }[]).map((row) => row.value);
      },
    },
    async cleanup() {
      await throwaway.drop();
    },
  };
}
