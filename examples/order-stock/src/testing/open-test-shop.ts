import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, onTestFinished } from 'vitest';
import type { EmailTransport } from '../email/email-transport.js';
import { OutboxTransport } from '../email/outbox-transport.js';
import { ShopApp } from '../shop-app.js';
import type { TestDatabase } from './test-databases.js';

/** A shop for one test, and its outbox folder. */
export interface TestShop {
  readonly app: ShopApp;
  readonly outbox: string;
}

/**
 * Opens the shop on a throwaway database for the running test, and closes
 * and removes everything when the test finishes.
 *
 * @param target Which kind of database.
 * @param options `transport`: instead of the outbox; `start`: start the runners (default true).
 * @returns The shop.
 */
export async function openTestShop(
  target: TestDatabase,
  options: { readonly transport?: EmailTransport; readonly start?: boolean } = {},
): Promise<TestShop> {
  const outbox = mkdtempSync(join(tmpdir(), 'order-stock-outbox-'));
  const { database, dispose } = await target.create();
  let app: ShopApp | undefined;
  const failures: unknown[] = [];
  onTestFinished(async () => {
    await app?.close();
    // A projector or the reactor that stopped with an error fails the test.
    expect(failures).toEqual([]);
    await dispose();
    rmSync(outbox, { recursive: true, force: true });
  });
  app = await ShopApp.open({
    database,
    transport: options.transport ?? new OutboxTransport(outbox),
    runners: { pollInterval: 50, retry: { attempts: 3, baseDelay: 10 } },
  });
  if (options.start ?? true) app.start((_runner, error) => failures.push(error));
  return { app, outbox };
}
