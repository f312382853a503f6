import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startFakeSmtpServer } from '../testing/fake-smtp-server.js';
import { chooseTransport } from './choose-transport.js';
import { confirmationEmail } from './confirmation-email.js';
import { OutboxTransport } from './outbox-transport.js';
import { parseEml } from './parse-eml.js';
import { SmtpTransport } from './smtp-transport.js';

const message = confirmationEmail({
  kind: 'placed',
  eventId: '01890a5d-ac96-774b-bcce-b302099a8057',
  at: new Date('2024-03-01T09:30:00.000Z'),
  orderId: 'order-1',
  customerId: 'zoë',
  email: 'zoe@example.com',
  lines: [{ productId: 'axe', name: 'Äxt ⚒', quantity: 1 }],
});

const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function outbox(): string {
  const folder = mkdtempSync(join(tmpdir(), 'outbox-'));
  folders.push(folder);
  return join(folder, 'outbox'); // not there yet: the transport creates it
}

/** The checks every message we send must pass: RFC 5322's shape, and our headers. */
function expectRfc5322(text: string): void {
  // Every line ends in CRLF and is at most 998 characters; the header ends at an empty line.
  expect(text.replace(/\r\n/g, '')).not.toMatch(/[\r\n]/);
  for (const line of text.split('\r\n')) expect(line.length).toBeLessThanOrEqual(998);
  // Header fields are US-ASCII: anything else is encoded (RFC 2047).
  const header = text.slice(0, text.indexOf('\r\n\r\n'));
  expect(header).toMatch(/^[\x20-\x7e\r\n\t]*$/);
  const { headers, body } = parseEml(text);
  expect(headers.get('message-id')).toBe(message.messageId);
  expect(headers.get('to')).toBe('zoe@example.com');
  expect(headers.get('subject')).toBe('Your order order-1 is confirmed');
  expect(new Date(headers.get('date') ?? '').toISOString()).toBe('2024-03-01T09:30:00.000Z');
  expect(headers.get('mime-version')).toBe('1.0');
  expect(headers.get('content-type')).toMatch(/^text\/plain; charset=utf-8/);
  expect(body.length).toBeGreaterThan(0);
}

describe('OutboxTransport', () => {
  it('writes an RFC 5322 message named after the event', async () => {
    const folder = outbox();
    const transport = new OutboxTransport(folder);
    await transport.send(message);
    expect(readdirSync(folder)).toEqual([`${message.id}.eml`]);
    expectRfc5322(readFileSync(join(folder, `${message.id}.eml`), 'utf8'));
  });

  it('overwrites the file when the same event is delivered again: one email, not two', async () => {
    const folder = outbox();
    const transport = new OutboxTransport(folder);
    await transport.send(message);
    const first = readFileSync(join(folder, `${message.id}.eml`), 'utf8');
    await transport.send(message);
    expect(readdirSync(folder)).toEqual([`${message.id}.eml`]); // no temporary file left either
    expect(readFileSync(join(folder, `${message.id}.eml`), 'utf8')).toBe(first);
  });

  it('refuses an id that is not a plain file name', async () => {
    const transport = new OutboxTransport(outbox());
    await expect(transport.send({ ...message, id: '../escape' })).rejects.toThrow(
      /Not a safe file name/,
    );
  });
});

describe('SmtpTransport', () => {
  it('sends the same RFC 5322 message to an SMTP server', async () => {
    const server = await startFakeSmtpServer();
    try {
      const transport = chooseTransport(server.url, outbox());
      expect(transport).toBeInstanceOf(SmtpTransport);
      await transport.send(message);
      await transport.close();
      expect(server.received).toHaveLength(1);
      expect(server.received[0]).toMatchObject({
        from: 'shop@order-stock.example',
        to: ['zoe@example.com'],
      });
      expectRfc5322(server.received[0]?.data ?? '');
    } finally {
      await server.close();
    }
  });

  it('is chosen only when there is an SMTP URL', () => {
    expect(chooseTransport(undefined, outbox())).toBeInstanceOf(OutboxTransport);
  });
});
