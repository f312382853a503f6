import nodemailer, { type Mail } from 'nodemailer';
import { withoutPassword } from '../without-password.js';
import type { EmailMessage } from './email-message.js';
import type { EmailTransport } from './email-transport.js';
import { nodemailerOptions } from './nodemailer-options.js';

/**
 * Sends each email to an SMTP server, through nodemailer. SMTP cannot take
 * a message back, so a redelivered event (after a crash between sending and
 * the reactor's checkpoint) sends it again — with the same `Message-ID`,
 * built from the event's id, by which mail systems drop the duplicate.
 */
export class SmtpTransport implements EmailTransport {
  readonly description: string;
  readonly #transporter: Mail;

  /** @param url An SMTP URL: `smtp://user:password@host:587`, `smtps://…:465`. */
  constructor(url: string) {
    this.#transporter = nodemailer.createTransport(url);
    this.description = `SMTP at ${withoutPassword(url)}`;
  }

  async send(message: EmailMessage): Promise<void> {
    await this.#transporter.sendMail(nodemailerOptions(message));
  }

  async close(): Promise<void> {
    this.#transporter.close();
  }
}
