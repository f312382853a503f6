/**
 * The server helpers of `@factline/testing/postgres` and `/mysql`, against
 * the real servers: one suite, run for each.
 */
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  createThrowawayDatabase,
  dropDatabase,
  mysqlAvailable,
  mysqlTestUrl,
  throwawayDatabaseName,
} from '../mysql/mysql-test-server.js';
import {
  createThrowawaySchema,
  dropSchema,
  postgresAvailable,
  postgresTestUrl,
  throwawaySchemaName,
} from '../postgres/postgres-test-server.js';

/** A server's helpers, and what the suite needs to check them. */
interface ServerHelpers {
  readonly label: string;
  /** What a throwaway is: `'schema'` or `'database'`. */
  readonly kind: string;
  readonly variable: string;
  readonly defaultUrl: string;
  /** A URL of this kind where nothing listens (port 1), with a password that must never show. */
  readonly nowhere: string;
  /** A name that would break out of its quotes. */
  readonly injection: string;
  available(options?: { url?: string; connectTimeout?: number }): Promise<boolean>;
  testUrl(): string;
  name(prefix?: string): string;
  create(options?: {
    url?: string;
    prefix?: string;
  }): Promise<{ name: string; url: string; drop(): Promise<void> }>;
  drop(name: string, options?: { url?: string }): Promise<void>;
  /** Runs statements (`?`s for values) on the test server; returns the last one's rows. */
  query(statements: readonly (readonly [string, ...string[]])[]): Promise<unknown[]>;
  /** The SQL that creates a schema or database, bypassing the helpers. */
  createSql(name: string): string;
  /** The quoted name, for SQL. */
  quoted(name: string): string;
}

const helpers: Record<'postgres' | 'mysql', ServerHelpers> = {
  postgres: {
    label: 'PostgreSQL',
    kind: 'schema',
    variable: 'POSTGRES_URL',
    defaultUrl: 'postgres://postgres@127.0.0.1:5432/test',
    nowhere: 'postgres://postgres:hunter2@127.0.0.1:1/test',
    injection: 'x"; DROP SCHEMA public; --',
    available: postgresAvailable,
    testUrl: postgresTestUrl,
    name: throwawaySchemaName,
    create: createThrowawaySchema,
    drop: dropSchema,
    async query(statements) {
      const client = new pg.Client({ connectionString: postgresTestUrl() });
      await client.connect();
      try {
        let rows: unknown[] = [];
        for (const [sql, ...values] of statements) {
          let n = 0;
          rows = (
            await client.query(
              sql.replace(/\?/g, () => `$${++n}`),
              values,
            )
          ).rows;
        }
        return rows;
      } finally {
        await client.end();
      }
    },
    createSql: (name) => `CREATE SCHEMA "${name}"`,
    quoted: (name) => `"${name}"`,
  },
  mysql: {
    label: 'MySQL',
    kind: 'database',
    variable: 'MYSQL_URL',
    defaultUrl: 'mysql://root@127.0.0.1:3306/test',
    nowhere: 'mysql://root:hunter2@127.0.0.1:1/test',
    injection: 'x`; DROP DATABASE mysql; --',
    available: mysqlAvailable,
    testUrl: mysqlTestUrl,
    name: throwawayDatabaseName,
    create: createThrowawayDatabase,
    drop: dropDatabase,
    async query(statements) {
      const connection = await mysql.createConnection(mysqlTestUrl());
      try {
        let rows: unknown[] = [];
        for (const [sql, ...values] of statements) {
          const [result] = await connection.execute(sql, values);
          rows = Array.isArray(result) ? result : [];
        }
        return rows;
      } finally {
        await connection.end();
      }
    },
    createSql: (name) => `CREATE DATABASE \`${name}\``,
    quoted: (name) => `\`${name}\``,
  },
};

// Each throws when FACTLINE_REQUIRE_SERVERS=1 and its server is unreachable: the file fails.
const available = {
  postgres: await postgresAvailable(),
  mysql: await mysqlAvailable(),
};

afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

describe.for(Object.entries(helpers) as ['postgres' | 'mysql', ServerHelpers][])(
  'the %s test server helpers',
  ([server, helper]) => {
    const shownNowhere = helper.nowhere.replace('hunter2', '***');
    const exists = async (name: string) =>
      (
        await helper.query([
          ['SELECT 1 AS found FROM information_schema.schemata WHERE schema_name = ?', name],
        ])
      ).length === 1;

    it.runIf(available[server])('find the test server available', async () => {
      expect(await helper.available()).toBe(true);
      expect(await helper.available({ url: helper.testUrl(), connectTimeout: 1000 })).toBe(true);
    });

    it('find a server that does not answer unavailable, with a notice that hides the password', async () => {
      vi.stubEnv('FACTLINE_REQUIRE_SERVERS', '');
      const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
      expect(await helper.available({ url: helper.nowhere })).toBe(false);
      expect(warn).toHaveBeenCalledOnce();
      const notice = String(warn.mock.calls[0]?.[0]);
      expect(notice).toContain(`${helper.label} at ${shownNowhere} is unreachable`);
      expect(notice).toContain(helper.variable);
      expect(notice).not.toContain('hunter2');
    });

    it('throw for a server that does not answer under FACTLINE_REQUIRE_SERVERS=1', async () => {
      vi.stubEnv('FACTLINE_REQUIRE_SERVERS', '1');
      const failure = await helper.available({ url: helper.nowhere }).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(Error);
      expect((failure as Error).message).toBe(
        `${helper.label} at ${shownNowhere} is required (FACTLINE_REQUIRE_SERVERS=1) but unreachable`,
      );
      expect((failure as Error).cause).toBeInstanceOf(Error);
    });

    it('read the URL from its variable at each call, else the local default', () => {
      vi.stubEnv(helper.variable, 'db://me@db.example:1234/mine');
      expect(helper.testUrl()).toBe('db://me@db.example:1234/mine');
      vi.stubEnv(helper.variable, undefined);
      expect(helper.testUrl()).toBe(helper.defaultUrl);
    });

    it('make a fresh name with the prefix each time', () => {
      const first = helper.name();
      expect(first).toMatch(/^factline_test_\d+_[a-z0-9]+_[a-z0-9]+$/);
      expect(helper.name()).not.toBe(first);
      expect(helper.name('shop_test')).toMatch(/^shop_test_/);
    });

    it('refuse a prefix that would make an invalid or too long name', () => {
      expect(() => helper.name('shop-test')).toThrow(TypeError);
      expect(() => helper.name('')).toThrow(TypeError);
      expect(() => helper.name('a'.repeat(60))).toThrow(
        `is not a valid ${helper.kind} name prefix`,
      );
    });

    it('refuse an invalid identifier before connecting', async () => {
      // The URL goes nowhere: a TypeError, not a connection error, proves nothing was sent.
      await expect(helper.drop(helper.injection, { url: helper.nowhere })).rejects.toThrow(
        TypeError,
      );
      await expect(helper.drop('', { url: helper.nowhere })).rejects.toThrow(TypeError);
      await expect(helper.create({ url: helper.nowhere, prefix: 'a b' })).rejects.toThrow(
        TypeError,
      );
    });

    it.runIf(available[server])(
      `create a throwaway ${helper.kind} that is usable, and gone after drop`,
      async () => {
        const throwaway = await helper.create({ prefix: 'helper_test' });
        expect(throwaway.name).toMatch(/^helper_test_/);
        expect(throwaway.url).toBe(helper.testUrl());
        const table = `${helper.quoted(throwaway.name)}.notes`;
        try {
          expect(await exists(throwaway.name)).toBe(true);
          const rows = await helper.query([
            [`CREATE TABLE ${table} (text TEXT NOT NULL)`],
            [`INSERT INTO ${table} (text) VALUES (?)`, 'kept ✓'],
            [`SELECT text FROM ${table}`],
          ]);
          expect(rows).toEqual([{ text: 'kept ✓' }]);
        } finally {
          await throwaway.drop();
        }
        expect(await exists(throwaway.name)).toBe(false);
        await expect(throwaway.drop()).resolves.toBeUndefined();
      },
    );

    it.runIf(available[server])(`drop a ${helper.kind} made under a throwaway name`, async () => {
      const name = helper.name();
      await helper.query([[helper.createSql(name)]]);
      expect(await exists(name)).toBe(true);
      await helper.drop(name);
      expect(await exists(name)).toBe(false);
    });
  },
);
