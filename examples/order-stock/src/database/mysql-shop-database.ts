import { MysqlProvider } from '@factline/mysql';
import { type MysqlHandle, MysqlReadModels } from '../read-models/mysql-read-models.js';
import { withoutPassword } from '../without-password.js';
import type { ShopDatabase } from './shop-database.js';

/**
 * The shop in a MySQL or MariaDB database of its own.
 *
 * @param url `mysql://user:password@host:3306/database`: where to connect.
 * @param database The database for all of the shop's tables; created by `migrate()`.
 * @returns The database, not yet migrated.
 */
export function mysqlShopDatabase(url: string, database: string): ShopDatabase<MysqlHandle> {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) {
    throw new Error(`Not a plain database name: ${database}`);
  }
  const provider = new MysqlProvider({ connectionString: url, database });
  return {
    description: `MySQL ${withoutPassword(url)}, database ${database}`,
    provider,
    readModels: new MysqlReadModels(provider.pool, database),
    async erase() {
      await provider.pool.query(`DROP DATABASE IF EXISTS \`${database}\``);
    },
  };
}
