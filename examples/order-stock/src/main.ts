/**
 * The order/stock example, narrated: a small shop on an embedded SQLite file.
 *
 * Run it with `npm run example` from the repository's root. The events stay
 * in examples/order-stock/data/shop.db afterwards; open it with any SQLite
 * client and look at the Entities and Events tables.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ConcurrencyError, EventStore } from '@factline/core';
import { SqliteProvider } from '@factline/sqlite';
import { shopEvents } from './events.js';
import {
  addProduct,
  cancelOrder,
  loadProduct,
  type PlaceOrderResult,
  placeOrder,
  receiveStock,
} from './shop.js';

const dataDirectory = fileURLToPath(new URL('../data/', import.meta.url));
const databaseFile = `${dataDirectory}shop.db`;

// Every run tells the same story, so it starts from an empty file.
mkdirSync(dataDirectory, { recursive: true });
for (const suffix of ['', '-wal', '-shm']) rmSync(databaseFile + suffix, { force: true });

const store = new EventStore({
  provider: new SqliteProvider({ database: databaseFile }),
  events: shopEvents,
});
await store.migrate();
console.log(`factline order/stock example — events in ${relative(process.cwd(), databaseFile)}\n`);

try {
  console.log('1. Dana adds two products to the catalogue.');
  for (const [productId, name] of [
    ['product-anvil', 'Anvil'],
    ['product-rope', 'Rope'],
  ] as const) {
    const added = await addProduct(store, { actor: 'staff:dana', productId, name });
    console.log(
      `   ${name}: ${added.kind === 'added' ? `added at position ${added.position}` : added.kind}`,
    );
  }

  console.log('\n2. Deliveries arrive.');
  await receive('product-anvil', 5, 'delivery-100');
  await receive('product-rope', 10, 'delivery-101');
  console.log('   The warehouse system reports delivery-100 a second time:');
  await receive('product-anvil', 5, 'delivery-100');

  console.log('\n3. Alice (2 anvils, 1 rope) and Bob (2 anvils) order at the same moment.');
  const [alice, bob] = await Promise.all([
    placeOrder(
      store,
      {
        actor: 'customer:alice',
        orderId: 'order-1',
        customerId: 'alice',
        lines: [
          { productId: 'product-anvil', quantity: 2 },
          { productId: 'product-rope', quantity: 1 },
        ],
      },
      { onConflict: conflictNarrator('order-1 (Alice)') },
    ),
    placeOrder(
      store,
      {
        actor: 'customer:bob',
        orderId: 'order-2',
        customerId: 'bob',
        lines: [{ productId: 'product-anvil', quantity: 2 }],
      },
      { onConflict: conflictNarrator('order-2 (Bob)') },
    ),
  ]);
  report('order-1 (Alice)', alice);
  report('order-2 (Bob)', bob);
  await stock('product-anvil');

  console.log('\n4. Carol orders 3 anvils.');
  report(
    'order-3 (Carol)',
    await placeOrder(store, {
      actor: 'customer:carol',
      orderId: 'order-3',
      customerId: 'carol',
      lines: [{ productId: 'product-anvil', quantity: 3 }],
    }),
  );

  console.log('\n5. Alice cancels her order; its stock goes back on the shelf.');
  const cancelled = await cancelOrder(store, {
    actor: 'customer:alice',
    orderId: 'order-1',
    reason: 'Ordered by mistake',
  });
  console.log(
    `   order-1: ${cancelled.kind}${cancelled.kind === 'cancelled' ? ` at position ${cancelled.position}` : ''}`,
  );
  const again = await cancelOrder(store, {
    actor: 'customer:alice',
    orderId: 'order-1',
    reason: 'Clicked twice',
  });
  console.log(`   Cancelling it again: ${again.kind}, nothing written.`);
  await stock('product-anvil');

  console.log('\n6. Carol tries again, under a new order id.');
  report(
    'order-4 (Carol)',
    await placeOrder(store, {
      actor: 'customer:carol',
      orderId: 'order-4',
      customerId: 'carol',
      lines: [{ productId: 'product-anvil', quantity: 3 }],
    }),
  );

  console.log('\nFinal stock:');
  await stock('product-anvil');
  await stock('product-rope');

  console.log('\nThe log, in position order (events published together share a position):');
  for await (const event of store.readAll()) {
    console.log(
      `   #${event.position}  ${event.entityId.padEnd(13)} v${event.ordinal}  ${event.name.padEnd(14)} ` +
        `${JSON.stringify(event.details)}  by ${event.actor}`,
    );
  }
  console.log(
    `\nThe tables are plain SQL: sqlite3 ${relative(process.cwd(), databaseFile)} 'SELECT * FROM Events'`,
  );
} finally {
  await store.close();
}

async function receive(productId: string, quantity: number, deliveryId: string): Promise<void> {
  const result = await receiveStock(store, {
    actor: 'system:warehouse',
    productId,
    quantity,
    deliveryId,
  });
  const product = await loadProduct(store, productId);
  if (result.kind === 'unknown-product' || product === undefined) {
    console.log(`   ${deliveryId}: no product ${productId}`);
  } else if (result.duplicate) {
    console.log(
      `   ${deliveryId}: already counted (same command id), nothing written; ${product.name}: ${product.available} available`,
    );
  } else {
    console.log(
      `   ${deliveryId}: +${quantity} ${product.name} at position ${result.position}; ${product.available} available`,
    );
  }
}

async function stock(productId: string): Promise<void> {
  const product = await loadProduct(store, productId);
  if (product !== undefined) console.log(`   ${product.name}: ${product.available} available`);
}

function conflictNarrator(label: string) {
  return (error: ConcurrencyError) =>
    console.log(
      `   ${label}: ConcurrencyError — expected ${error.entityId} at version ${String(error.expectedVersion)}, ` +
        `but another order moved it to ${String(error.actualVersion)}; nothing written, checking the stock again`,
    );
}

function report(label: string, result: PlaceOrderResult): void {
  switch (result.kind) {
    case 'placed':
      console.log(
        `   ${label}: placed at position ${result.position}` +
          (result.attempts > 1 ? ` on attempt ${result.attempts}` : ''),
      );
      break;
    case 'out-of-stock':
      console.log(
        `   ${label}: rejected — ${result.requested} of ${result.productId} wanted, ${result.available} available; nothing written`,
      );
      break;
    case 'unknown-product':
      console.log(`   ${label}: rejected — no product ${result.productId}`);
      break;
    case 'already-exists':
      console.log(`   ${label}: already placed`);
      break;
  }
}
