/**
 * The story `npm run example` tells: a day at the shop, one command at a
 * time, saying what each did. It only runs commands; `main.ts` shows the
 * read models and the outbox afterwards.
 */
import type { ConcurrencyError } from '@factline/core';
import { isShopError } from './domain/shop-error.js';
import type { OrderLine } from './domain/shop-events.js';
import type { CommandOptions, Shop } from './shop.js';

/** Where the story is told. */
export type Say = (line: string) => void;

/**
 * Runs the day at the shop.
 *
 * @param shop The shop's commands.
 * @param say Prints a line.
 */
export async function runScenario(shop: Shop, say: Say): Promise<void> {
  const dana = { actor: 'staff:dana' };
  const warehouse = { actor: 'system:warehouse' };

  say('1. Dana adds three products to the catalogue.');
  for (const [productId, name] of [
    ['anvil', 'Anvil'],
    ['rope', 'Rope (10 m)'],
    ['lantern', 'Storm lantern'],
  ] as const) {
    const { position } = await shop.createProduct({ productId, name }, dana);
    say(`   ${productId}: "${name}" created at position ${position}`);
  }

  say('\n2. Deliveries arrive.');
  const receive = async (productId: string, quantity: number, deliveryId: string) => {
    const receipt = await shop.receiveStock({ productId, quantity, deliveryId }, warehouse);
    const { available } = await shop.products.get(productId);
    say(
      receipt.duplicate
        ? `   ${deliveryId}: counted already (same command id) — nothing written; ${productId}: ${available} available`
        : `   ${deliveryId}: +${quantity} ${productId} at position ${receipt.position}; ${available} available`,
    );
  };
  await receive('anvil', 5, 'delivery-100');
  await receive('rope', 10, 'delivery-101');
  await receive('lantern', 10, 'delivery-102');
  say('   The warehouse system reports delivery-100 a second time:');
  await receive('anvil', 5, 'delivery-100');

  say('\n3. Alice (2 anvils, 1 rope) and Bob (2 anvils) order at the same moment.');
  const order = (customerId: string, lines: OrderLine[], narrate = false) =>
    place(shop, say, { orderId: `order-${customerId}`, customerId, lines }, narrate);
  await Promise.all([
    order(
      'alice',
      [
        { productId: 'anvil', quantity: 2 },
        { productId: 'rope', quantity: 1 },
      ],
      true,
    ),
    order('bob', [{ productId: 'anvil', quantity: 2 }], true),
  ]);
  await stock(shop, say, 'anvil');

  say('\n4. Carol orders 3 anvils.');
  await place(shop, say, {
    orderId: 'order-carol-1',
    customerId: 'carol',
    lines: [{ productId: 'anvil', quantity: 3 }],
  });

  say('\n5. Alice cancels her order; its stock goes back on the shelf.');
  const alice = { actor: 'customer:alice' };
  const cancel = { orderId: 'order-alice', reason: 'ordered by mistake' };
  const cancelled = await shop.cancelOrder(cancel, alice);
  if (cancelled.kind === 'cancelled')
    say(`   order-alice: cancelled at position ${cancelled.position}`);
  const again = await shop.cancelOrder(cancel, alice);
  say(`   Cancelling it again: ${again.kind} — nothing written`);
  await stock(shop, say, 'anvil');

  say('\n6. Carol tries again, under a new order id.');
  await place(shop, say, {
    orderId: 'order-carol-2',
    customerId: 'carol',
    lines: [{ productId: 'anvil', quantity: 3 }],
  });

  say('\n7. Stocktake: Dana finds a rope damaged, and tries to write off twenty more.');
  const { position } = await shop.adjustStock(
    { productId: 'rope', change: -1, reason: 'damaged' },
    dana,
  );
  say(`   rope: -1 (damaged) at position ${position}`);
  await shop
    .adjustStock({ productId: 'rope', change: -20, reason: 'miscount' }, dana)
    .catch((error: unknown) => say(`   rope: -20 refused — ${describe(error)}`));
  await stock(shop, say, 'rope');

  say('\n8. A rush: 50 customers order one storm lantern each, all at once. There are 10.');
  await rush(shop, say);
}

/** Places an order and tells how it went; with `narrate`, tells each conflict too. */
async function place(
  shop: Shop,
  say: Say,
  order: { readonly orderId: string; readonly customerId: string; readonly lines: OrderLine[] },
  narrate = false,
): Promise<void> {
  const options: CommandOptions = {
    actor: `customer:${order.customerId}`,
    retry: narrate ? { onConflict: (error) => sayConflict(say, order.orderId, error) } : {},
  };
  try {
    const placed = await shop.placeOrder(
      { ...order, email: `${order.customerId}@example.com` },
      options,
    );
    const retried = placed.attempts > 1 ? ` on attempt ${placed.attempts}` : '';
    say(`   ${order.orderId}: placed at position ${placed.position}${retried}`);
  } catch (error) {
    if (!isShopError(error)) throw error;
    say(`   ${order.orderId}: refused — ${describe(error)}`);
  }
}

function sayConflict(say: Say, orderId: string, error: ConcurrencyError): void {
  say(
    `   ${orderId}: ConcurrencyError — ${error.entityId} was expected at version ` +
      `${String(error.expectedVersion)} but another order moved it to ${String(error.actualVersion)}; ` +
      'nothing written, checking the stock again',
  );
}

/** Fifty orders of one unit against ten: exactly ten are placed. */
async function rush(shop: Shop, say: Say): Promise<void> {
  let conflicts = 0;
  const started = performance.now();
  const results = await Promise.allSettled(
    Array.from({ length: 50 }, (_, index) => {
      const customerId = `rush-${String(index + 1).padStart(2, '0')}`;
      return shop.placeOrder(
        {
          orderId: `order-${customerId}`,
          customerId,
          email: `${customerId}@example.com`,
          lines: [{ productId: 'lantern', quantity: 1 }],
        },
        { actor: `customer:${customerId}`, retry: { onConflict: () => conflicts++ } },
      );
    }),
  );
  const milliseconds = Math.round(performance.now() - started);
  const placed = results.filter((result) => result.status === 'fulfilled').length;
  const reasons = results.flatMap((result) =>
    result.status === 'rejected' ? [result.reason] : [],
  );
  const outOfStock = reasons.filter(
    (reason) => isShopError(reason) && reason.code === 'OUT_OF_STOCK',
  ).length;
  say(
    `   ${placed} placed, ${outOfStock} refused as out of stock, ${reasons.length - outOfStock} other errors; ` +
      `${conflicts} conflicts retried; ${milliseconds} ms`,
  );
  await stock(shop, say, 'lantern');
}

async function stock(shop: Shop, say: Say, productId: string): Promise<void> {
  const product = await shop.products.get(productId);
  say(`   ${productId}: ${product.available} available, ${product.reserved} reserved`);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
