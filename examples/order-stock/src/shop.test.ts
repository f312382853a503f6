import { isFactlineError } from '@factline/core';
import { describe, expect, it } from 'vitest';
import { AlreadyExistsError } from './domain/already-exists-error.js';
import { OutOfStockError } from './domain/out-of-stock-error.js';
import type { OrderLine } from './domain/shop-events.js';
import type { Shop } from './shop.js';
import { openTestShop } from './testing/open-test-shop.js';
import { testDatabases } from './testing/test-databases.js';

const staff = { actor: 'staff:dana' };
const warehouse = { actor: 'system:warehouse' };

/** A product with `quantity` units in stock. */
async function stocked(shop: Shop, productId: string, quantity: number): Promise<void> {
  await shop.createProduct({ productId, name: productId }, staff);
  await shop.receiveStock({ productId, quantity, deliveryId: `delivery-${productId}` }, warehouse);
}

function order(orderId: string, lines: readonly OrderLine[]) {
  return { orderId, customerId: `customer-${orderId}`, email: `${orderId}@example.com`, lines };
}

const customer = (orderId: string) => ({ actor: `customer:${orderId}` });

for (const target of await testDatabases()) {
  describe.skipIf(!target.available)(`the shop's commands on ${target.name}`, () => {
    it('creates a product once', async () => {
      const { app } = await openTestShop(target, { start: false });
      await app.shop.createProduct({ productId: 'anvil', name: 'Anvil' }, staff);
      await expect(
        app.shop.createProduct({ productId: 'anvil', name: 'Anvil' }, staff),
      ).rejects.toBeInstanceOf(AlreadyExistsError);
      expect((await app.shop.products.get('anvil')).name).toBe('Anvil');
    });

    it('counts a delivery reported twice once', async () => {
      const { app } = await openTestShop(target, { start: false });
      await app.shop.createProduct({ productId: 'anvil', name: 'Anvil' }, staff);
      const delivery = { productId: 'anvil', quantity: 4, deliveryId: 'delivery-7' };
      const first = await app.shop.receiveStock(delivery, warehouse);
      const again = await app.shop.receiveStock(delivery, warehouse);
      expect(first.duplicate).toBe(false);
      expect(again).toEqual({ position: first.position, duplicate: true });
      expect((await app.shop.products.get('anvil')).available).toBe(4);
    });

    it('receives no stock for a product that does not exist, writing nothing', async () => {
      const { app } = await openTestShop(target, { start: false });
      const error = await app.shop
        .receiveStock({ productId: 'nothing', quantity: 1, deliveryId: 'd-1' }, warehouse)
        .catch((caught: unknown) => caught);
      expect(isFactlineError(error, 'AGGREGATE_NOT_FOUND')).toBe(true);
      expect(await app.store.head()).toBe(0);
    });

    it('places an order and reserves its stock in one publication', async () => {
      const { app } = await openTestShop(target, { start: false });
      await stocked(app.shop, 'anvil', 5);
      await stocked(app.shop, 'rope', 5);
      const lines = [
        { productId: 'anvil', quantity: 2 },
        { productId: 'rope', quantity: 1 },
      ];
      const placed = await app.shop.placeOrder(order('order-1', lines), customer('order-1'));
      expect(placed.attempts).toBe(1);
      const page = await app.store.readPage(placed.position - 1, 1);
      expect(page.events.map((event) => [event.position, event.entityId, event.name])).toEqual([
        [placed.position, 'order-1', 'OrderPlaced'],
        [placed.position, 'anvil', 'StockReserved'],
        [placed.position, 'rope', 'StockReserved'],
      ]);
      expect((await app.shop.products.get('anvil')).available).toBe(3);
      expect((await app.shop.products.get('rope')).available).toBe(4);
    });

    it('refuses an order one product cannot fill, and writes nothing for any', async () => {
      const { app } = await openTestShop(target, { start: false });
      await stocked(app.shop, 'anvil', 5);
      await stocked(app.shop, 'rope', 1);
      const head = await app.store.head();
      const lines = [
        { productId: 'anvil', quantity: 2 },
        { productId: 'rope', quantity: 2 },
      ];
      const error = await app.shop
        .placeOrder(order('order-1', lines), customer('order-1'))
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OutOfStockError);
      expect(error).toMatchObject({ productId: 'rope', requested: 2, available: 1 });
      expect(await app.store.head()).toBe(head);
      expect(await app.store.getEntity('order-1')).toBeUndefined();
    });

    it('refuses an order id that is taken', async () => {
      const { app } = await openTestShop(target, { start: false });
      await stocked(app.shop, 'anvil', 5);
      const one = order('order-1', [{ productId: 'anvil', quantity: 1 }]);
      await app.shop.placeOrder(one, customer('order-1'));
      await expect(app.shop.placeOrder(one, customer('order-1'))).rejects.toBeInstanceOf(
        AlreadyExistsError,
      );
      expect((await app.shop.products.get('anvil')).available).toBe(4);
    });

    it('cancelling gives the stock back, once', async () => {
      const { app } = await openTestShop(target, { start: false });
      await stocked(app.shop, 'anvil', 3);
      const lines = [
        { productId: 'anvil', quantity: 2 },
        { productId: 'anvil', quantity: 1 },
      ];
      await app.shop.placeOrder(order('order-1', lines), customer('order-1'));
      expect((await app.shop.products.get('anvil')).available).toBe(0);

      const cancel = { orderId: 'order-1', reason: 'changed my mind' };
      const cancelled = await app.shop.cancelOrder(cancel, customer('order-1'));
      expect(cancelled.kind).toBe('cancelled');
      expect(await app.shop.cancelOrder(cancel, customer('order-1'))).toEqual({
        kind: 'unchanged',
      });
      const anvil = await app.shop.products.get('anvil');
      expect({ available: anvil.available, reserved: anvil.reserved }).toEqual({
        available: 3,
        reserved: 0,
      });
    });

    it('adjusts stock after a stocktake, never below what is available', async () => {
      const { app } = await openTestShop(target, { start: false });
      await stocked(app.shop, 'anvil', 3);
      await app.shop.placeOrder(
        order('order-1', [{ productId: 'anvil', quantity: 2 }]),
        customer('order-1'),
      );
      await expect(
        app.shop.adjustStock({ productId: 'anvil', change: -2, reason: 'miscount' }, staff),
      ).rejects.toBeInstanceOf(OutOfStockError);
      await app.shop.adjustStock({ productId: 'anvil', change: -1, reason: 'dropped' }, staff);
      expect((await app.shop.products.get('anvil')).available).toBe(0);
    });

    it('never oversells: 50 concurrent orders of one unit against a stock of 10', async () => {
      const { app } = await openTestShop(target);
      await stocked(app.shop, 'lantern', 10);
      let conflicts = 0;
      const started = performance.now();
      const results = await Promise.allSettled(
        Array.from({ length: 50 }, (_, index) =>
          app.shop.placeOrder(order(`order-${index}`, [{ productId: 'lantern', quantity: 1 }]), {
            ...customer(`order-${index}`),
            retry: { onConflict: () => conflicts++ },
          }),
        ),
      );
      const milliseconds = Math.round(performance.now() - started);

      const placed = results.filter((result) => result.status === 'fulfilled');
      const refused = results.filter((result) => result.status === 'rejected');
      expect(placed).toHaveLength(10);
      expect(refused).toHaveLength(40);
      for (const result of refused) {
        expect(result.reason).toBeInstanceOf(OutOfStockError);
        expect(result.reason).toMatchObject({ productId: 'lantern', requested: 1, available: 0 });
      }
      const lantern = await app.shop.products.get('lantern');
      expect({ available: lantern.available, reserved: lantern.reserved }).toEqual({
        available: 0,
        reserved: 10,
      });

      // The read models agree once they have caught up.
      await app.waitFor();
      expect(await app.readModels.stockLevel('lantern')).toEqual({
        productId: 'lantern',
        name: 'lantern',
        available: 0,
        reserved: 10,
      });
      const attempts = placed.map((result) => result.value.attempts);
      console.log(
        `${target.name}: 50 orders against 10 units in ${milliseconds} ms — ` +
          `10 placed (attempts ${Math.min(...attempts)}–${Math.max(...attempts)}), ` +
          `40 out of stock, ${conflicts} conflicts retried`,
      );
    });
  });
}
