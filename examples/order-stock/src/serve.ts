/**
 * `npm run example:serve`: the shop's HTTP API on http://localhost:3000
 * (`PORT`). Unlike the scenario it keeps its data across restarts: the
 * SQLite file examples/order-stock/data/shop.db, or `DATABASE_URL`.
 * Ctrl-C stops it cleanly: the projectors finish their page and let go of
 * their leases.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { shopDatabaseFromUrl } from './database/shop-database-from-url.js';
import { chooseTransport } from './email/choose-transport.js';
import { createShopServer } from './http/shop-server.js';
import { settingsFrom } from './settings.js';
import { ShopApp } from './shop-app.js';

const settings = settingsFrom(process.env);
mkdirSync(dirname(settings.sqliteFile), { recursive: true });
const app = await ShopApp.open({
  database: shopDatabaseFromUrl(settings.databaseUrl, settings),
  transport: chooseTransport(settings.smtpUrl, settings.outbox),
});
app.start();
const server = createShopServer(app);
server.listen(settings.port, () => {
  console.log(`The shop's HTTP API listens on http://localhost:${settings.port}`);
  console.log(`Events: ${app.description}`);
  console.log(`Emails: ${app.transport.description}`);
  console.log(
    `Try: curl -s localhost:${settings.port}/projectors — the walkthrough is in the README.`,
  );
});

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping`);
    server.close();
    server.closeAllConnections();
    app.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
}
