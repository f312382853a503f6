import { PostgresProvider } from '@factline/postgres';
import { type PostgresQueryable, PostgresReadModels } from '../read-models/postgres-read-models.js';
import { withoutPassword } from '../without-password.js';
import type { ShopDatabase } from './shop-database.js';

/**
 * The shop in a PostgreSQL schema of its own.
 *
 * @param url `postgres://user:password@host:5432/database`.
 * @param schema The schema for all of the shop's tables; created by `migrate()`.
 * @returns The database, not yet migrated.
 */
export function postgresShopDatabase(url: string, schema: string): ShopDatabase<PostgresQueryable> {
  // The provider checks the name: letters, digits and underscores.
  const provider = new PostgresProvider({ connectionString: url, schema });
  return {
    description: `PostgreSQL ${withoutPassword(url)}, schema ${schema}`,
    provider,
    readModels: new PostgresReadModels(provider.pool, schema),
    async erase() {
      await provider.pool.query({ text: `DROP SCHEMA IF EXISTS "${schema}" CASCADE` });
    },
  };
}
