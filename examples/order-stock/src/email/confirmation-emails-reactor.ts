import type { ProjectionStorage } from '@factline/core';
import { Reactor, type RunOptions } from '@factline/projection';
import type { OrderLine, ShopEvents, ShopStore } from '../domain/shop-events.js';
import type { Shop } from '../shop.js';
import { type ConfirmationFacts, confirmationEmail, type EmailLine } from './confirmation-email.js';
import type { EmailTransport } from './email-transport.js';

/**
 * Sends a confirmation email for every placed and every cancelled order.
 *
 * A reactor, not a projector: an email cannot be rolled back with a
 * transaction. It runs after the event is committed, at least once — after
 * a crash the event is delivered again — and the message's id is the
 * event's id, so the transport replaces or drops a second copy. It never
 * runs inside a command, which may run several times when it conflicts.
 *
 * @param store The shop's event store.
 * @param storage Where its checkpoint lives (the database's provider).
 * @param shop For the order as it was, and the products' names.
 * @param transport Where the emails go.
 * @param options Poll interval, retries, hooks.
 * @returns The reactor, not started.
 */
export function confirmationEmailsReactor(
  store: ShopStore,
  storage: ProjectionStorage<unknown>,
  shop: Shop,
  transport: EmailTransport,
  options: RunOptions = {},
): Reactor<ShopEvents> {
  const linesWithNames = async (lines: readonly OrderLine[]): Promise<EmailLine[]> =>
    Promise.all(
      lines.map(async (line) => ({
        ...line,
        name: (await shop.products.load(line.productId))?.name ?? line.productId,
      })),
    );
  const send = async (facts: ConfirmationFacts) => transport.send(confirmationEmail(facts));

  return new Reactor({
    ...options,
    name: 'confirmation-emails',
    store,
    storage,
    handlers: {
      OrderPlaced: async (event) =>
        send({
          kind: 'placed',
          eventId: event.id,
          at: event.timestamp,
          orderId: event.entityId,
          customerId: event.details.customerId,
          email: event.details.email,
          lines: await linesWithNames(event.details.lines),
        }),
      OrderCancelled: async (event) => {
        // The event holds only the reason; the order as of that event says who and what.
        const order = await shop.orders.get(event.entityId, { asOf: { version: event.ordinal } });
        await send({
          kind: 'cancelled',
          eventId: event.id,
          at: event.timestamp,
          orderId: order.id,
          customerId: order.customerId,
          email: order.email,
          lines: await linesWithNames(order.lines),
          reason: event.details.reason,
        });
      },
    },
  });
}
