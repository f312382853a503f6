export type { PostgresConfig } from './postgres-config.js';
export { isRetryablePostgresError } from './postgres-errors.js';
export type {
  PostgresClient,
  PostgresPool,
  PostgresQueryConfig,
  PostgresQueryResult,
  PostgresTransaction,
} from './postgres-pool.js';
export { PostgresProvider } from './postgres-provider.js';
