/**
 * The databases the example's tests run on: SQLite always; PostgreSQL and
 * MariaDB/MySQL when their test servers answer — skipped with a notice
 * otherwise, and failing under FACTLINE_REQUIRE_SERVERS=1 (as CI sets), by
 * `@factline/testing/postgres` and `/mysql`, as the packages' own server
 * suites do. Test infrastructure, not part of the app.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  dropDatabase,
  mysqlAvailable,
  mysqlTestUrl,
  throwawayDatabaseName,
} from '@factline/testing/mysql';
import {
  dropSchema,
  postgresAvailable,
  postgresTestUrl,
  throwawaySchemaName,
} from '@factline/testing/postgres';
import { mysqlShopDatabase } from '../database/mysql-shop-database.js';
import { postgresShopDatabase } from '../database/postgres-shop-database.js';
import type { ShopDatabase } from '../database/shop-database.js';
import { sqliteShopDatabase } from '../database/sqlite-shop-database.js';

/** A fresh, empty shop database, and how to get rid of it. */
export interface TestShopDatabase {
  readonly database: ShopDatabase<unknown>;
  /** Removes the file, schema or database; call after the app is closed. */
  dispose(): Promise<void>;
}

/** One kind of database the tests run on. */
export interface TestDatabase {
  readonly name: 'sqlite' | 'postgres' | 'mysql';
  /** Whether to run its tests (see the module's comment). */
  readonly available: boolean;
  /** A throwaway database: a temporary file, schema or database. */
  create(): Promise<TestShopDatabase>;
}

/**
 * Every database, with whether its server answers. `SHOP_TEST_DATABASES`
 * (e.g. `sqlite,postgres`) narrows the list; the others are not tried.
 *
 * @returns SQLite, PostgreSQL and MySQL, in that order.
 */
export async function testDatabases(): Promise<readonly TestDatabase[]> {
  const wanted = (process.env.SHOP_TEST_DATABASES ?? 'sqlite,postgres,mysql').split(',');
  const [postgres, mysqlServer] = await Promise.all([
    wanted.includes('postgres') && postgresAvailable(),
    wanted.includes('mysql') && mysqlAvailable(),
  ]);
  return [
    { name: 'sqlite', available: wanted.includes('sqlite'), create: createSqlite },
    { name: 'postgres', available: postgres, create: createPostgres },
    { name: 'mysql', available: mysqlServer, create: createMysql },
  ];
}

async function createSqlite(): Promise<TestShopDatabase> {
  const folder = mkdtempSync(join(tmpdir(), 'order-stock-'));
  return {
    database: sqliteShopDatabase(join(folder, 'shop.db')),
    dispose: async () => rmSync(folder, { recursive: true, force: true }),
  };
}

async function createPostgres(): Promise<TestShopDatabase> {
  // The shop's migration creates the schema.
  const schema = throwawaySchemaName('order_stock_test');
  return {
    database: postgresShopDatabase(postgresTestUrl(), schema),
    dispose: () => dropSchema(schema),
  };
}

async function createMysql(): Promise<TestShopDatabase> {
  // The shop's migration creates the database.
  const database = throwawayDatabaseName('order_stock_test');
  return {
    database: mysqlShopDatabase(mysqlTestUrl(), database),
    dispose: () => dropDatabase(database),
  };
}
