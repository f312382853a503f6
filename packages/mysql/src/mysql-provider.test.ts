import { isFactlineError } from '@factline/core';
import { describe, expect, it } from 'vitest';
import { MysqlProvider } from './mysql-provider.js';

function thrownBy(create: () => unknown): unknown {
  try {
    create();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('MysqlProvider', () => {
  it('needs a pool, a connection string or pool options', () => {
    expect(
      isFactlineError(
        thrownBy(() => new MysqlProvider({})),
        'INVALID_ARGUMENT',
      ),
    ).toBe(true);
  });

  it('refuses a database or table prefix it could not quote safely', () => {
    const connectionString = 'mysql://nobody@127.0.0.1:1/none';
    for (const config of [{ database: 'a`b' }, { tablePrefix: 'x; DROP' }, { database: 'my-db' }]) {
      const error = thrownBy(() => new MysqlProvider({ connectionString, ...config }));
      expect(isFactlineError(error, 'INVALID_ARGUMENT')).toBe(true);
    }
  });

  it('opens no connection until it is used, and closes its own pool', async () => {
    const provider = new MysqlProvider({ connectionString: 'mysql://nobody@127.0.0.1:1/none' });
    expect(provider.name).toBe('mysql');
    await provider.close();
  });
});
