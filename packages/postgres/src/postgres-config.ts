import type { PostgresPool } from './postgres-pool.js';

/** How to connect a {@link PostgresProvider}. Give one of `pool`, `connectionString`, `poolConfig`. */
export interface PostgresConfig {
  /** Your own pg `Pool`; the provider never ends it. */
  readonly pool?: PostgresPool;
  /** A `postgres://user:password@host:port/database` URL. */
  readonly connectionString?: string;
  /** Options for a new pg `Pool` (host, port, user, max, ssl…). */
  readonly poolConfig?: Readonly<Record<string, unknown>>;
  /** The schema the tables live in (default `public`); created by `migrate()`. */
  readonly schema?: string;
  /** Put before every table name, e.g. `shop_` → `shop_Events`. */
  readonly tablePrefix?: string;
  /** Publications per group commit at most (default 100). */
  readonly maxBatchSize?: number;
  /** How often a batch that hit a deadlock or serialization failure is retried (default 5). */
  readonly maxRetries?: number;
}
