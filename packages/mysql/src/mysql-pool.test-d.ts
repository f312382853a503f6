import type { Pool, PoolConnection } from 'mysql2/promise';
import { describe, expectTypeOf, it } from 'vitest';
import type { MysqlPool, MysqlPoolConnection, MysqlTransaction } from './mysql-pool.js';

describe('MysqlPool', () => {
  it('is met by mysql2’s own promise pool and its connections', () => {
    expectTypeOf<Pool>().toExtend<MysqlPool>();
    expectTypeOf<PoolConnection>().toExtend<MysqlPoolConnection>();
  });

  it('hands read-model work a connection that mysql2’s own connections meet', () => {
    expectTypeOf<PoolConnection>().toExtend<MysqlTransaction>();
    expectTypeOf<MysqlPoolConnection>().toExtend<MysqlTransaction>();
  });
});
