import { isFactlineError, ProviderError, WorkFailure } from '@factline/core';
import {
  dropSchema,
  postgresAvailable,
  postgresTestUrl,
  throwawaySchemaName,
} from '@factline/testing/postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  inPostgresTransaction,
  type PostgresTransactionConfig,
} from './postgres-in-transaction.js';
import type { PostgresClient, PostgresPool } from './postgres-pool.js';

const available = await postgresAvailable();

describe.runIf(available)('inPostgresTransaction', () => {
  const schema = throwawaySchemaName();
  const table = `"${schema}"."Rows"`;
  let pool: pg.Pool;
  /** What each client handed out was released with. */
  let releases: unknown[];
  /** The pool, recording how its clients are released. */
  let recorded: PostgresPool;

  const config = (maxRetries?: number): PostgresTransactionConfig => ({
    pool: recorded,
    provider: 'postgres',
    operation: 'test',
    ...(maxRetries === undefined ? {} : { maxRetries }),
  });
  const insert = (client: PostgresClient, value: string) =>
    client.query({ text: `INSERT INTO ${table} (value) VALUES ($1)`, values: [value] });
  const stored = async () =>
    (await pool.query<{ value: string }>(`SELECT value FROM ${table} ORDER BY value`)).rows.map(
      (row) => row.value,
    );

  beforeAll(async () => {
    pool = new pg.Pool({ connectionString: postgresTestUrl(), max: 2 });
    await pool.query(`CREATE SCHEMA "${schema}"`);
    await pool.query(`CREATE TABLE ${table} (value text PRIMARY KEY)`);
    const base = pool as unknown as PostgresPool;
    recorded = {
      query: (query) => base.query(query),
      end: () => base.end(),
      connect: async () => {
        const client = await pool.connect();
        return {
          query: client.query.bind(client) as PostgresClient['query'],
          release: (broken) => {
            releases.push(broken);
            client.release(broken);
          },
          // pg's error events pass through: a broken connection must be heard by the transaction.
          on: (event, listener) => client.on(event, listener),
          removeListener: (event, listener) => client.removeListener(event, listener),
        };
      },
    };
  });

  afterAll(async () => {
    await pool?.end();
    await dropSchema(schema);
  });

  it('commits or rolls back as the body ends, and returns its result', async () => {
    releases = [];
    const committed = await inPostgresTransaction(config(), async (client) => {
      await insert(client, 'kept');
      return { commit: true, result: 'committed' };
    });
    const rolledBack = await inPostgresTransaction(config(), async (client) => {
      await insert(client, 'dropped');
      return { commit: false, result: 'rolled back' };
    });
    expect([committed, rolledBack]).toEqual(['committed', 'rolled back']);
    expect(await stored()).toEqual(['kept']);
    expect(releases).toEqual([undefined, undefined]);
  });

  it("rethrows user work's error as is, after the rollback", async () => {
    const failure = new Error('handler failed');
    const error = await inPostgresTransaction(config(3), async (client) => {
      await WorkFailure.run(async () => {
        await insert(client, 'work');
        throw failure;
      });
      return { commit: true, result: undefined };
    }).catch((caught: unknown) => caught);
    expect(error).toBe(failure);
    expect(await stored()).toEqual(['kept']);
  });

  it("wraps the driver's errors in a ProviderError of the operation, and passes one on as is", async () => {
    const duplicate = await inPostgresTransaction(config(), async (client) => {
      await insert(client, 'kept');
      return { commit: true, result: undefined };
    }).catch((caught: unknown) => caught);
    expect(isFactlineError(duplicate, 'PROVIDER')).toBe(true);
    expect(duplicate).toMatchObject({ provider: 'postgres', operation: 'test' });
    expect((duplicate as Error).cause).toMatchObject({ code: '23505' });

    const reported = new ProviderError('postgres', 'insertCheckpoint', new Error('lost'));
    const passed = await inPostgresTransaction(config(), async () => {
      throw reported;
    }).catch((caught: unknown) => caught);
    expect(passed).toBe(reported);
  });

  it('releases a client whose connection broke with release(true), and the pool goes on', async () => {
    releases = [];
    const error = await inPostgresTransaction(config(3), async (client) => {
      await insert(client, 'lost');
      await client.query({ text: 'SELECT pg_terminate_backend(pg_backend_pid())' });
      return { commit: true, result: undefined };
    }).catch((caught: unknown) => caught);
    expect(isFactlineError(error, 'PROVIDER')).toBe(true);
    expect(releases).toEqual([true]);
    expect(await stored()).toEqual(['kept']);
  });

  it('hears a connection that breaks while no query runs, instead of crashing the process', async () => {
    releases = [];
    const error = await inPostgresTransaction(config(3), async (client) => {
      await insert(client, 'lost while idle');
      const pid = await client.query<{ pid: number }>({ text: 'SELECT pg_backend_pid() AS pid' });
      // Killed from another session while this one runs no query, as during user work.
      await pool.query('SELECT pg_terminate_backend($1)', [pid.rows[0]?.pid]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await insert(client, 'never');
      return { commit: true, result: undefined };
    }).catch((caught: unknown) => caught);
    expect(isFactlineError(error, 'PROVIDER')).toBe(true);
    expect(releases).toEqual([true]);
    expect(await stored()).toEqual(['kept']);
  });

  it('retries the whole transaction after a deadlock only as often as it is allowed', async () => {
    const deadlock = () => Object.assign(new Error('deadlock detected'), { code: '40P01' });
    let attempts = 0;
    const retried = await inPostgresTransaction(config(2), async (client) => {
      attempts++;
      await insert(client, `retried-${attempts}`);
      if (attempts < 3) throw deadlock();
      return { commit: true, result: attempts };
    });
    expect(retried).toBe(3);
    expect(await stored()).toEqual(['kept', 'retried-3']);

    attempts = 0;
    const error = await inPostgresTransaction(config(), async () => {
      attempts++;
      throw deadlock();
    }).catch((caught: unknown) => caught);
    expect(attempts).toBe(1);
    expect(isFactlineError(error, 'PROVIDER')).toBe(true);
  });
});
