import type { EmailMessage } from './email-message.js';

/** A line of an order as an email shows it. */
export interface EmailLine {
  readonly productId: string;
  readonly name: string;
  readonly quantity: number;
}

/** What a confirmation says: which event, which order, for whom. */
export interface ConfirmationFacts {
  /** `placed` or `cancelled`. */
  readonly kind: 'placed' | 'cancelled';
  /** The id of the event confirmed: the message's id. */
  readonly eventId: string;
  /** When the event happened. */
  readonly at: Date;
  readonly orderId: string;
  readonly customerId: string;
  readonly email: string;
  readonly lines: readonly EmailLine[];
  /** Why it was cancelled. */
  readonly reason?: string;
}

/** The shop's address, and the domain of its Message-IDs. */
export const shopSender = {
  from: '"factline shop" <shop@order-stock.example>',
  domain: 'order-stock.example',
} as const;

/**
 * The confirmation email of a placed or cancelled order. It is built from
 * the event alone, so a redelivered event makes the same message, with the
 * same `Message-ID`.
 *
 * @param facts The event and the order.
 * @param sender The `from` address and the Message-ID domain.
 * @returns The message.
 */
export function confirmationEmail(
  facts: ConfirmationFacts,
  sender: { readonly from: string; readonly domain: string } = shopSender,
): EmailMessage {
  const items = facts.lines.map((line) => `  ${line.quantity} x ${line.name} (${line.productId})`);
  const text =
    facts.kind === 'placed'
      ? [
          `Hello ${facts.customerId},`,
          '',
          `thank you for your order ${facts.orderId}. We have set aside:`,
          '',
          ...items,
          '',
          'You can cancel it until it ships.',
        ]
      : [
          `Hello ${facts.customerId},`,
          '',
          `your order ${facts.orderId} is cancelled (${facts.reason ?? 'no reason given'}).`,
          'These items are no longer reserved for you:',
          '',
          ...items,
        ];
  return {
    id: facts.eventId,
    messageId: `<${facts.eventId}@${sender.domain}>`,
    from: sender.from,
    to: facts.email,
    subject: `Your order ${facts.orderId} is ${facts.kind === 'placed' ? 'confirmed' : 'cancelled'}`,
    text: `${[...text, '', '-- ', 'The factline shop'].join('\n')}\n`,
    date: facts.at,
  };
}
