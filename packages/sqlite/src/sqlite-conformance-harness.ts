/**
 * The conformance harness of the SQLite provider: a fresh database file in a
 * temp dir per test. Also the worker module that writer processes import
 * (`connect`), so it must not import vitest. Not part of the package's API.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Provider } from '@factline/core';
import type { ConformanceHarness, JsonValue } from '@factline/testing';
import type { SqliteDatabase } from './sqlite-database.js';
import { SqliteProvider } from './sqlite-provider.js';

/**
 * Opens the database a harness names, for a writer process; not migrated.
 *
 * @param config The database file's path.
 * @returns A provider on its own connection.
 */
export async function connect(config: JsonValue): Promise<Provider> {
  if (typeof config !== 'string') throw new Error('The SQLite worker config is the database path.');
  return new SqliteProvider({ database: config });
}

/**
 * Creates a harness on a new database file in a new temp dir.
 *
 * @returns The harness; its cleanup deletes the dir, WAL files included.
 */
export async function createSqliteHarness(): Promise<ConformanceHarness> {
  const directory = await mkdtemp(join(tmpdir(), 'factline-sqlite-'));
  const database = join(directory, 'conformance.db');
  return {
    async connect() {
      const provider = new SqliteProvider({ database });
      await provider.migrate();
      return provider;
    },
    worker: { module: import.meta.url, config: database },
    readModel: {
      async create(provider) {
        (provider as SqliteProvider).database.exec(
          'CREATE TABLE IF NOT EXISTS conformance_read_model (value TEXT NOT NULL)',
        );
      },
      write(transaction, value) {
        (transaction as SqliteDatabase)
          .prepare('INSERT INTO conformance_read_model (value) VALUES (?)')
          .run(value);
      },
      async read(provider) {
        return (provider as SqliteProvider).database
          .prepare('SELECT value FROM conformance_read_model ORDER BY rowid')
          .pluck()
          .all() as string[];
      },
    },
    async cleanup() {
      await rm(directory, { recursive: true, force: true });
    },
  };
}
