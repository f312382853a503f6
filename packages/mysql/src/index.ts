export type { MysqlConfig } from './mysql-config.js';
export { isRetryableMysqlError } from './mysql-errors.js';
export type {
  MysqlPool,
  MysqlPoolConnection,
  MysqlQueryable,
  MysqlQueryOptions,
  MysqlResultHeader,
  MysqlValue,
} from './mysql-pool.js';
export { MysqlProvider } from './mysql-provider.js';
