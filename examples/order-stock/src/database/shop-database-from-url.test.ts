import { describe, expect, it } from 'vitest';
import { shopDatabaseFromUrl } from './shop-database-from-url.js';

const names = { sqliteFile: ':memory:', namespace: 'order_stock' };

describe('shopDatabaseFromUrl', () => {
  it.each([
    [undefined, 'SQLite in memory'],
    ['', 'SQLite in memory'],
    [
      'postgres://shop:secret@db:5432/shop',
      'PostgreSQL postgres://shop:***@db:5432/shop, schema order_stock',
    ],
    ['postgresql://db/shop', 'PostgreSQL postgresql://db/shop, schema order_stock'],
    ['mysql://root@db:3306/shop', 'MySQL mysql://root@db:3306/shop, database order_stock'],
    ['mariadb://root@db:3306/shop', 'MySQL mysql://root@db:3306/shop, database order_stock'],
  ])('%s → %s, password masked', async (url, description) => {
    // Nothing connects until the database is used.
    const database = shopDatabaseFromUrl(url, names);
    expect(database.description).toBe(description);
    await database.provider.close();
  });

  it('refuses a URL of another database', () => {
    expect(() => shopDatabaseFromUrl('oracle://db/shop', names)).toThrow(/DATABASE_URL must start/);
  });
});
