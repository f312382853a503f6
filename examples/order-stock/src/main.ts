/**
 * `npm run example`: the order/stock example, narrated.
 *
 * Opens the shop — on examples/order-stock/data/shop.db, or on
 * `DATABASE_URL` (PostgreSQL or MySQL/MariaDB, in a schema/database of its
 * own, `order_stock`) — erases what an earlier run left, runs the day at
 * the shop, and shows what the projectors and the email reactor made of it.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { shopDatabaseFromUrl } from './database/shop-database-from-url.js';
import { chooseTransport } from './email/choose-transport.js';
import { readOutbox } from './email/read-outbox.js';
import { runScenario } from './scenario.js';
import { settingsFrom } from './settings.js';
import { ShopApp } from './shop-app.js';

const settings = settingsFrom(process.env);
// Paths as seen from where `npm run` was typed (npm runs the script in this folder).
const shown = (path: string) => relative(process.env.INIT_CWD ?? process.cwd(), path) || '.';
const readable = (text: string) =>
  text.replace(dirname(settings.sqliteFile), shown(dirname(settings.sqliteFile)));
const say = (line = '') => console.log(line);

// Every run tells the same story, so it starts from nothing.
mkdirSync(dirname(settings.sqliteFile), { recursive: true });
rmSync(settings.outbox, { recursive: true, force: true });
const database = shopDatabaseFromUrl(settings.databaseUrl, settings);
await database.erase();
const app = await ShopApp.open({
  database,
  transport: chooseTransport(settings.smtpUrl, settings.outbox),
});
say(`factline order/stock example — ${readable(app.description)}`);
say(`Emails: ${readable(app.transport.description)}\n`);

try {
  // The projectors and the email reactor follow the log while the story runs.
  app.start((runner, error) => say(`!! ${runner.name} stopped: ${String(error)}`));
  await runScenario(app.shop, say);
  const head = await app.store.head();
  await app.waitFor(head);
  await showReadModels(head);
  await showOutbox();
  await showHistory('order-alice');
  if (settings.databaseUrl === undefined) {
    say(`\nThe tables are plain SQL: sqlite3 ${shown(settings.sqliteFile)} 'SELECT * FROM Events'`);
  }
} finally {
  await app.close();
}

async function showReadModels(head: number): Promise<void> {
  say(`\nRead models, kept by projectors (caught up with position ${head}):`);
  say('   stock_levels');
  for (const level of await app.readModels.stockLevels()) {
    say(
      `     ${level.productId.padEnd(8)} ${level.name.padEnd(14)} ` +
        `${String(level.available).padStart(3)} available ${String(level.reserved).padStart(3)} reserved`,
    );
  }
  say('   customer_orders');
  for (const customerId of ['alice', 'bob', 'carol', 'rush-01']) {
    for (const order of await app.readModels.customerOrders(customerId)) {
      const lines = order.lines.map((line) => `${line.quantity} ${line.productId}`).join(', ');
      say(
        `     ${customerId.padEnd(8)} ${order.orderId.padEnd(14)} ${order.status.padEnd(10)} ${lines}`,
      );
    }
  }
  say('   Projectors:');
  for (const report of await app.reports()) {
    say(
      `     ${report.name.padEnd(20)} ${report.state.padEnd(8)} at position ${report.position}, ` +
        `${report.lag.positions} behind`,
    );
  }
}

async function showOutbox(): Promise<void> {
  const emails = await readOutbox(settings.outbox);
  if (settings.smtpUrl !== undefined) {
    say(`\nConfirmation emails went to ${app.transport.description}.`);
    return;
  }
  say(`\nOutbox: ${emails.length} confirmation emails in ${shown(settings.outbox)}`);
  for (const email of emails) {
    say(`   ${email.file}  to ${email.headers.get('to')}: ${email.headers.get('subject')}`);
  }
  const first = emails[0];
  if (first !== undefined) {
    say(`\n   ${first.file}, as any mail program opens it:`);
    for (const { name, value } of first.fields) say(`   | ${name}: ${value}`);
    say('   |');
    for (const line of first.body.trimEnd().split(/\r?\n/)) say(`   | ${line}`);
  }
}

async function showHistory(id: string): Promise<void> {
  say(`\nThe history of ${id} (GET /entities/${id}/history on the HTTP API):`);
  for (const event of await app.store.readEntity(id)) {
    say(
      `   v${event.ordinal} #${event.position} ${event.name.padEnd(15)} ${JSON.stringify(event.details)} by ${event.actor}`,
    );
  }
}
