import type { EmailMessage } from './email-message.js';

/**
 * Where emails go: `.eml` files in an outbox folder (`OutboxTransport`) or
 * an SMTP server (`SmtpTransport`). The app chooses; the reactor that sends
 * confirmations does not care.
 */
export interface EmailTransport {
  /** Where messages go, for logs: `.eml files in data/outbox`. */
  readonly description: string;
  /**
   * Sends a message. It may be called again with the same message after a
   * crash or a retry (delivery is at least once): deduplicate by `message.id`
   * where the transport can.
   *
   * @param message The message.
   */
  send(message: EmailMessage): Promise<void>;
  /** Lets go of connections. */
  close(): Promise<void>;
}
