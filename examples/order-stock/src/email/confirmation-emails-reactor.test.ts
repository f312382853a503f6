import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { Shop } from '../shop.js';
import { openTestShop } from '../testing/open-test-shop.js';
import { testDatabases } from '../testing/test-databases.js';
import type { EmailMessage } from './email-message.js';
import type { EmailTransport } from './email-transport.js';
import { OutboxTransport } from './outbox-transport.js';
import { readOutbox } from './read-outbox.js';

/**
 * Sends every message through the outbox, then fails the first time it
 * sees it — as a connection that drops after the server took the message.
 * The reactor must send it again, and the outbox must still hold it once.
 */
class DropsTheFirstAnswer implements EmailTransport {
  readonly description = 'an outbox whose first answer for each message is lost';
  readonly attempts = new Map<string, number>();
  readonly #outbox: OutboxTransport;

  constructor(folder: string) {
    this.#outbox = new OutboxTransport(folder);
  }

  async send(message: EmailMessage): Promise<void> {
    await this.#outbox.send(message);
    const attempts = (this.attempts.get(message.id) ?? 0) + 1;
    this.attempts.set(message.id, attempts);
    if (attempts === 1) throw new Error('connection reset after sending');
  }

  async close(): Promise<void> {
    await this.#outbox.close();
  }
}

async function placeAndCancel(shop: Shop): Promise<void> {
  const staff = { actor: 'staff:dana' };
  await shop.createProduct({ productId: 'anvil', name: 'Anvil' }, staff);
  await shop.createProduct({ productId: 'rope', name: 'Rope' }, staff);
  await shop.receiveStock({ productId: 'anvil', quantity: 5, deliveryId: 'd-1' }, staff);
  await shop.receiveStock({ productId: 'rope', quantity: 5, deliveryId: 'd-2' }, staff);
  const alice = { actor: 'customer:alice' };
  const lines = [
    { productId: 'anvil', quantity: 2 },
    { productId: 'rope', quantity: 1 },
  ];
  await shop.placeOrder(
    { orderId: 'order-1', customerId: 'alice', email: 'alice@example.com', lines },
    alice,
  );
  await shop.cancelOrder({ orderId: 'order-1', reason: 'too heavy' }, alice);
}

for (const target of await testDatabases()) {
  describe.skipIf(!target.available)(`confirmation emails on ${target.name}`, () => {
    it('sends one email per placed and per cancelled order, named after its event', async () => {
      const { app, outbox } = await openTestShop(target);
      await placeAndCancel(app.shop);
      await app.waitFor();

      const [placed, cancelled] = await app.store.readEntity('order-1');
      const emails = await readOutbox(outbox);
      expect(emails.map((email) => email.file)).toEqual([
        `${placed?.id}.eml`,
        `${cancelled?.id}.eml`,
      ]);
      const [confirmation, cancellation] = emails;
      expect(Object.fromEntries(confirmation?.headers ?? [])).toMatchObject({
        'message-id': `<${placed?.id}@order-stock.example>`,
        to: 'alice@example.com',
        subject: 'Your order order-1 is confirmed',
        'x-factline-event-id': placed?.id,
      });
      expect(new Date(confirmation?.headers.get('date') ?? '').getTime()).toBe(
        Math.floor((placed?.timestamp.getTime() ?? 0) / 1000) * 1000,
      );
      expect(confirmation?.body).toContain('2 x Anvil (anvil)');
      expect(cancellation?.headers.get('subject')).toBe('Your order order-1 is cancelled');
      expect(cancellation?.body).toContain('is cancelled (too heavy)');
      expect(cancellation?.body).toContain('1 x Rope (rope)');
    });

    it('sends again when a send fails, and the outbox still holds each email once', async () => {
      const folder = mkdtempSync(join(tmpdir(), 'order-stock-flaky-'));
      onTestFinished(() => rmSync(folder, { recursive: true, force: true }));
      const transport = new DropsTheFirstAnswer(folder);
      const { app } = await openTestShop(target, { transport });
      await placeAndCancel(app.shop);
      await app.waitFor();

      expect([...transport.attempts.values()]).toEqual([2, 2]); // each sent twice: at least once
      expect(await readOutbox(folder)).toHaveLength(2); // but one email each in the outbox
    });
  });
}
