import type { SqliteDatabase } from './sqlite-database.js';

/** How to open a {@link SqliteProvider}. */
export interface SqliteConfig {
  /**
   * A file path (created when missing), `':memory:'`, or your own
   * better-sqlite3 `Database`, which the provider never closes.
   */
  readonly database: string | SqliteDatabase;
  /**
   * Put before every table name, e.g. `'shop_'` → `shop_Events`. Letters,
   * digits and underscores only.
   */
  readonly tablePrefix?: string;
  /**
   * How long a writer waits for another process's write lock, in
   * milliseconds (default 5000). Only for a database the provider opens.
   */
  readonly busyTimeout?: number;
  /**
   * `'full'` (default) syncs every commit to disk; `'normal'` is faster in WAL
   * mode but may lose the last commits on power loss (never on a crash of the
   * process). Only for a database the provider opens.
   */
  readonly synchronous?: 'full' | 'normal';
}
