import type { EmailTransport } from './email-transport.js';
import { OutboxTransport } from './outbox-transport.js';
import { SmtpTransport } from './smtp-transport.js';

/**
 * The transport the app is configured for: SMTP when there is an SMTP URL
 * (`SMTP_URL`), else `.eml` files in the outbox folder.
 *
 * @param smtpUrl The SMTP URL, or `undefined`.
 * @param outbox The folder for `.eml` files.
 * @returns The transport.
 */
export function chooseTransport(smtpUrl: string | undefined, outbox: string): EmailTransport {
  return smtpUrl === undefined ? new OutboxTransport(outbox) : new SmtpTransport(smtpUrl);
}
