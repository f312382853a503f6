import { fileURLToPath } from 'node:url';

/** What the example reads from its environment, with its defaults. */
export interface Settings {
  /** `DATABASE_URL`: PostgreSQL or MySQL; unset for the SQLite file. */
  readonly databaseUrl: string | undefined;
  /** `SMTP_URL`: where emails go; unset for `.eml` files in `outbox`. */
  readonly smtpUrl: string | undefined;
  /** `PORT` of the HTTP API (default 3000). */
  readonly port: number;
  /** The SQLite file: `examples/order-stock/data/shop.db`. */
  readonly sqliteFile: string;
  /** The outbox folder: `examples/order-stock/data/outbox`. */
  readonly outbox: string;
  /** The PostgreSQL schema or the MySQL database of the shop's tables: `order_stock`. */
  readonly namespace: string;
}

const dataFolder = fileURLToPath(new URL('../data/', import.meta.url));

/**
 * The settings from an environment.
 *
 * @param environment `process.env`.
 * @returns The settings.
 */
export function settingsFrom(environment: NodeJS.ProcessEnv): Settings {
  return {
    databaseUrl: environment.DATABASE_URL || undefined,
    smtpUrl: environment.SMTP_URL || undefined,
    port: Number(environment.PORT ?? 3000),
    sqliteFile: `${dataFolder}shop.db`,
    outbox: `${dataFolder}outbox`,
    namespace: environment.SHOP_SCHEMA ?? 'order_stock',
  };
}
