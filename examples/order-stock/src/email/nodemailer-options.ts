import type { SendMailOptions } from 'nodemailer';
import type { EmailMessage } from './email-message.js';

/**
 * The message in nodemailer's terms. Both transports compose with
 * nodemailer, so an `.eml` in the outbox is byte for byte what SMTP would send.
 *
 * @param message The message.
 * @returns nodemailer's mail options.
 */
export function nodemailerOptions(message: EmailMessage): SendMailOptions {
  return {
    from: message.from,
    to: message.to,
    subject: message.subject,
    text: message.text,
    date: message.date,
    messageId: message.messageId,
    headers: { 'X-Factline-Event-Id': message.id },
  };
}
