import { isFactlineError, WorkFailure } from '@factline/core';
import {
  createThrowawayDatabase,
  mysqlAvailable,
  type ThrowawayDatabase,
} from '@factline/testing/mysql';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inMysqlTransaction, type MysqlTransactionConfig } from './mysql-in-transaction.js';
import type { MysqlPool, MysqlPoolConnection } from './mysql-pool.js';

const available = await mysqlAvailable();

describe.runIf(available)('inMysqlTransaction', () => {
  let database: ThrowawayDatabase | undefined;
  let table: string;
  let pool: mysql.Pool;
  /** How each connection handed out was given back: `release` or `destroy`. */
  let endings: string[];
  /** The pool, recording how its connections are given back. */
  let recorded: MysqlPool;

  const deadlock = () => Object.assign(new Error('Deadlock found'), { errno: 1213 });
  const config = (retryable: (error: unknown) => boolean): MysqlTransactionConfig => ({
    pool: recorded,
    provider: 'mysql',
    operation: 'test',
    maxRetries: 2,
    retryable,
  });
  const isDeadlock = (error: unknown) => (error as { errno?: unknown }).errno === 1213;
  const begin = async (connection: MysqlPoolConnection, value: string) => {
    await connection.query('START TRANSACTION');
    await connection.execute({ sql: `INSERT INTO ${table} (value) VALUES (?)` }, [value]);
  };
  const stored = async () => {
    const [rows] = await pool.query<mysql.RowDataPacket[]>(
      `SELECT value FROM ${table} ORDER BY value`,
    );
    return rows.map((row) => row.value as string);
  };

  beforeAll(async () => {
    database = await createThrowawayDatabase();
    table = `\`${database.name}\`.\`Rows\``;
    pool = mysql.createPool({ uri: database.url, connectionLimit: 2 });
    await pool.query(`CREATE TABLE ${table} (value VARCHAR(64) PRIMARY KEY) ENGINE=InnoDB`);
    recorded = {
      execute: (options, values) => pool.execute(options, values),
      query: (sql) => pool.query(sql),
      end: () => pool.end(),
      getConnection: async () => {
        const connection = await pool.getConnection();
        return {
          execute: (options, values) => connection.execute(options, values),
          query: (sql) => connection.query(sql),
          release: () => {
            endings.push('release');
            connection.release();
          },
          destroy: () => {
            endings.push('destroy');
            connection.destroy();
          },
        };
      },
    };
  });

  afterAll(async () => {
    await pool?.end();
    await database?.drop();
  });

  it('commits or rolls back the transaction the body opened, and returns its result', async () => {
    endings = [];
    const committed = await inMysqlTransaction(config(isDeadlock), async (connection) => {
      await begin(connection, 'kept');
      return { commit: true, result: 'committed' };
    });
    const rolledBack = await inMysqlTransaction(config(isDeadlock), async (connection) => {
      await begin(connection, 'dropped');
      return { commit: false, result: 'rolled back' };
    });
    expect([committed, rolledBack]).toEqual(['committed', 'rolled back']);
    expect(await stored()).toEqual(['kept']);
    expect(endings).toEqual(['release', 'release']);
  });

  it("rethrows user work's error as is after the rollback, never retried", async () => {
    let attempts = 0;
    const failure = deadlock();
    const error = await inMysqlTransaction(config(isDeadlock), async (connection) => {
      attempts++;
      await begin(connection, 'work');
      await WorkFailure.run(() => {
        throw failure;
      });
      return { commit: true, result: undefined };
    }).catch((caught: unknown) => caught);
    expect(error).toBe(failure);
    expect(attempts).toBe(1);
    expect(await stored()).toEqual(['kept']);
  });

  it('retries only what its caller calls retryable, at most maxRetries times', async () => {
    let attempts = 0;
    const retried = await inMysqlTransaction(config(isDeadlock), async (connection) => {
      attempts++;
      await begin(connection, `retried-${attempts}`);
      if (attempts < 3) throw deadlock();
      return { commit: true, result: attempts };
    });
    expect(retried).toBe(3);
    expect(await stored()).toEqual(['kept', 'retried-3']);

    attempts = 0;
    const error = await inMysqlTransaction(
      config(() => false),
      async () => {
        attempts++;
        throw deadlock();
      },
    ).catch((caught: unknown) => caught);
    expect(attempts).toBe(1);
    expect(isFactlineError(error, 'PROVIDER')).toBe(true);
    expect(error).toMatchObject({ provider: 'mysql', operation: 'test' });
    expect((error as Error).cause).toMatchObject({ errno: 1213 });
  });

  it('destroys a connection that broke, so the server rolls back, and the pool goes on', async () => {
    endings = [];
    const error = await inMysqlTransaction(config(isDeadlock), async (connection) => {
      await begin(connection, 'lost');
      await connection.query('KILL CONNECTION CONNECTION_ID()');
      return { commit: true, result: undefined };
    }).catch((caught: unknown) => caught);
    expect(isFactlineError(error, 'PROVIDER')).toBe(true);
    expect(endings).toEqual(['destroy']);
    expect(await stored()).toEqual(['kept', 'retried-3']);
  });
});
