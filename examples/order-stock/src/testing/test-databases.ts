/**
 * The databases the example's tests run on: SQLite always; PostgreSQL and
 * MariaDB/MySQL when their test servers answer — skipped with a notice
 * otherwise, and failing under FACTLINE_REQUIRE_SERVERS=1 (as CI sets), like
 * the packages' own server suites. Test infrastructure, not part of the app.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { mysqlShopDatabase } from '../database/mysql-shop-database.js';
import { postgresShopDatabase } from '../database/postgres-shop-database.js';
import type { ShopDatabase } from '../database/shop-database.js';
import { sqliteShopDatabase } from '../database/sqlite-shop-database.js';

/** Where the PostgreSQL tests connect. */
const postgresUrl = process.env.POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Where the MySQL/MariaDB tests connect. */
const mysqlUrl = process.env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test';

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
    wanted.includes('postgres') && serverAnswers('PostgreSQL', postgresUrl, pingPostgres),
    wanted.includes('mysql') && serverAnswers('MySQL', mysqlUrl, pingMysql),
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
  const schema = throwawayName();
  return {
    database: postgresShopDatabase(postgresUrl, schema),
    dispose: () =>
      withPostgres((client) => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)),
  };
}

async function createMysql(): Promise<TestShopDatabase> {
  const database = throwawayName();
  return {
    database: mysqlShopDatabase(mysqlUrl, database),
    dispose: () =>
      withMysql((connection) => connection.query(`DROP DATABASE IF EXISTS \`${database}\``)),
  };
}

function throwawayName(): string {
  return `order_stock_test_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}

async function serverAnswers(
  label: string,
  url: string,
  ping: () => Promise<unknown>,
): Promise<boolean> {
  try {
    await ping();
    return true;
  } catch (error) {
    if (process.env.FACTLINE_REQUIRE_SERVERS === '1') {
      throw new Error(`${label} is required (FACTLINE_REQUIRE_SERVERS=1) but unreachable`, {
        cause: error,
      });
    }
    console.warn(`${label} at ${url} is unreachable: skipping the example's ${label} tests.`);
    return false;
  }
}

const pingPostgres = () => withPostgres((client) => client.query('SELECT 1'));
const pingMysql = () => withMysql((connection) => connection.query('SELECT 1'));

async function withPostgres(run: (client: pg.Client) => Promise<unknown>): Promise<void> {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await run(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function withMysql(run: (connection: mysql.Connection) => Promise<unknown>): Promise<void> {
  const connection = await mysql.createConnection({ uri: mysqlUrl, connectTimeout: 3000 });
  try {
    await run(connection);
  } finally {
    await connection.end().catch(() => undefined);
  }
}
