export {
  createThrowawaySchema,
  dropSchema,
  type PostgresTestServerOptions,
  postgresAvailable,
  postgresTestUrl,
  type ThrowawaySchema,
  type ThrowawaySchemaOptions,
  throwawaySchemaName,
} from './postgres-test-server.js';
