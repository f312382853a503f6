export type { MysqlConfig } from './mysql-config.js';
export { isRetryableMysqlError } from './mysql-errors.js';
export type {
  MysqlBindValue,
  MysqlPool,
  MysqlPoolConnection,
  MysqlQueryable,
  MysqlQueryOptions,
  MysqlResultHeader,
  MysqlTransaction,
  MysqlValue,
} from './mysql-pool.js';
export { MysqlProvider } from './mysql-provider.js';
