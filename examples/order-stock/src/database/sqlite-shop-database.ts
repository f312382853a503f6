import { type SqliteDatabase, SqliteProvider } from '@factline/sqlite';
import { SqliteReadModels } from '../read-models/sqlite-read-models.js';
import type { ShopDatabase } from './shop-database.js';

/**
 * The shop in one SQLite file: the embedded default.
 *
 * @param file A path (created when missing) or `:memory:`.
 * @returns The database, not yet migrated.
 */
export function sqliteShopDatabase(file: string): ShopDatabase<SqliteDatabase> {
  const provider = new SqliteProvider({ database: file });
  return {
    description: file === ':memory:' ? 'SQLite in memory' : `SQLite file ${file}`,
    provider,
    readModels: new SqliteReadModels(provider.database),
    async erase() {
      // The file is the shop's own: every table in it is the shop's.
      const tables = provider.database
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
        .pluck()
        .all() as string[];
      for (const table of tables) provider.database.exec(`DROP TABLE IF EXISTS "${table}"`);
    },
  };
}
