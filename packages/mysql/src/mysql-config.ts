import type { MysqlPool } from './mysql-pool.js';

/**
 * How to connect a {@link MysqlProvider}. Give one of `pool`,
 * `connectionString`, `poolConfig`.
 */
export interface MysqlConfig {
  /**
   * Your own mysql2 promise pool (`mysql2/promise`); the provider never ends
   * it. Its connections must use a UTF-8 charset (mysql2's default, utf8mb4),
   * and a pool-wide `typeCast` function must leave strings and numbers as they are.
   */
  readonly pool?: MysqlPool;
  /** A `mysql://user:password@host:port/database` URL. */
  readonly connectionString?: string;
  /** Options for a new mysql2 pool (host, port, user, password, database, connectionLimit, ssl…). */
  readonly poolConfig?: Readonly<Record<string, unknown>>;
  /**
   * The database the tables live in, created by `migrate()` when missing.
   * By default, the connection's own database (the one in the URL).
   */
  readonly database?: string;
  /** Put before every table name, e.g. `shop_` → `shop_Events`. Letters, digits and underscores. */
  readonly tablePrefix?: string;
  /** Publications per group commit at most (default 100). */
  readonly maxBatchSize?: number;
  /**
   * How often a batch is retried after a deadlock, a lock wait timeout, or
   * finding the publish procedure missing while a migration replaces it (default 5).
   */
  readonly maxRetries?: number;
  /** How long `migrate()` waits for another process's migration, in seconds (default 60). */
  readonly migrationLockTimeout?: number;
}
