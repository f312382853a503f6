import { mysqlShopDatabase } from './mysql-shop-database.js';
import { postgresShopDatabase } from './postgres-shop-database.js';
import type { ShopDatabase } from './shop-database.js';
import { sqliteShopDatabase } from './sqlite-shop-database.js';

/** Where the shop keeps its tables on each kind of database. */
export interface ShopDatabaseNames {
  /** The SQLite file, when there is no URL. */
  readonly sqliteFile: string;
  /** The PostgreSQL schema, or the MySQL database, of the shop's tables. */
  readonly namespace: string;
}

/**
 * The shop's database for a `DATABASE_URL`: PostgreSQL for `postgres://`
 * and `postgresql://`, MySQL or MariaDB for `mysql://` and `mariadb://`,
 * and the embedded SQLite file when there is none.
 *
 * @param url The URL, or `undefined`/empty for SQLite.
 * @param names The file, schema or database the shop's tables go to.
 * @returns The database, not yet migrated.
 * @throws {Error} The URL names another kind of database.
 */
export function shopDatabaseFromUrl(
  url: string | undefined,
  names: ShopDatabaseNames,
): ShopDatabase<unknown> {
  if (url === undefined || url === '') return sqliteShopDatabase(names.sqliteFile);
  const scheme = url.slice(0, url.indexOf(':'));
  switch (scheme) {
    case 'postgres':
    case 'postgresql':
      return postgresShopDatabase(url, names.namespace);
    case 'mysql':
    case 'mariadb':
      return mysqlShopDatabase(url.replace(/^mariadb:/, 'mysql:'), names.namespace);
    default:
      throw new Error(
        `DATABASE_URL must start with postgres://, mysql:// or mariadb:// (or be unset for SQLite); got ${scheme}://…`,
      );
  }
}
