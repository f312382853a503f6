import { describe, expect, it } from 'vitest';
import { confirmationEmail } from './confirmation-email.js';

const facts = {
  eventId: '01890a5d-ac96-774b-bcce-b302099a8057',
  at: new Date('2024-03-01T09:30:00.000Z'),
  orderId: 'order-1',
  customerId: 'alice',
  email: 'alice@example.com',
  lines: [{ productId: 'anvil', name: 'Anvil', quantity: 2 }],
};

describe('confirmationEmail', () => {
  it('confirms a placed order, identified by its event', () => {
    const message = confirmationEmail({ ...facts, kind: 'placed' });
    expect(message).toMatchObject({
      id: facts.eventId,
      messageId: `<${facts.eventId}@order-stock.example>`,
      to: 'alice@example.com',
      subject: 'Your order order-1 is confirmed',
      date: facts.at,
    });
    expect(message.text).toContain('  2 x Anvil (anvil)');
  });

  it('confirms a cancellation, with its reason', () => {
    const message = confirmationEmail({ ...facts, kind: 'cancelled', reason: 'too heavy' });
    expect(message.subject).toBe('Your order order-1 is cancelled');
    expect(message.text).toContain('your order order-1 is cancelled (too heavy).');
  });

  it('is the same message every time for the same event', () => {
    expect(confirmationEmail({ ...facts, kind: 'placed' })).toEqual(
      confirmationEmail({ ...facts, kind: 'placed' }),
    );
  });
});
