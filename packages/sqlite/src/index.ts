export type { SqliteConfig } from './sqlite-config.js';
export type { SqliteDatabase, SqliteStatement, SqliteTransaction } from './sqlite-database.js';
export { SqliteProvider } from './sqlite-provider.js';
