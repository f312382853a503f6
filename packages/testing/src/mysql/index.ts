export {
  createThrowawayDatabase,
  dropDatabase,
  type MysqlTestServerOptions,
  mysqlAvailable,
  mysqlTestUrl,
  type ThrowawayDatabase,
  type ThrowawayDatabaseOptions,
  throwawayDatabaseName,
} from './mysql-test-server.js';
