import { describe, expect, it } from 'vitest';
import { openTestShop } from '../testing/open-test-shop.js';
import { testDatabases } from '../testing/test-databases.js';

const staff = { actor: 'staff:dana' };

for (const target of await testDatabases()) {
  describe.skipIf(!target.available)(`the read models on ${target.name}`, () => {
    it('keep every product’s stock and every customer’s orders', async () => {
      const { app } = await openTestShop(target);
      const { shop } = app;
      // Two ids that differ only in case are two products, on every database.
      await shop.createProduct({ productId: 'axe', name: 'Äxt ⚒' }, staff);
      await shop.createProduct({ productId: 'AXE', name: 'Big axe' }, staff);
      await shop.receiveStock({ productId: 'axe', quantity: 5, deliveryId: 'd-1' }, staff);
      await shop.receiveStock({ productId: 'AXE', quantity: 2, deliveryId: 'd-2' }, staff);
      await shop.adjustStock({ productId: 'axe', change: -1, reason: 'dropped' }, staff);
      const place = (orderId: string, customerId: string, productId: string, quantity: number) =>
        shop.placeOrder(
          {
            orderId,
            customerId,
            email: `${customerId}@example.com`,
            lines: [{ productId, quantity }],
          },
          { actor: `customer:${customerId}` },
        );
      await place('order-1', 'alice', 'axe', 2);
      await place('order-2', 'alice', 'AXE', 1);
      await place('order-3', 'bob', 'axe', 1);
      await shop.cancelOrder({ orderId: 'order-1', reason: 'too heavy' }, staff);

      await app.waitFor();
      expect(await app.readModels.stockLevels()).toEqual([
        { productId: 'AXE', name: 'Big axe', available: 1, reserved: 1 },
        { productId: 'axe', name: 'Äxt ⚒', available: 3, reserved: 1 },
      ]);
      const alice = await app.readModels.customerOrders('alice');
      expect(alice).toMatchObject([
        { orderId: 'order-1', status: 'cancelled', units: 2 },
        {
          orderId: 'order-2',
          status: 'placed',
          units: 1,
          lines: [{ productId: 'AXE', quantity: 1 }],
        },
      ]);
      // The time is the event's, to the millisecond, whatever the database's column type.
      const [placed] = await app.store.readEntity('order-1');
      expect(alice[0]?.placedAt).toBe(placed?.timestamp.toISOString());
      expect((await app.readModels.customerOrders('bob')).map((order) => order.orderId)).toEqual([
        'order-3',
      ]);
      expect(await app.readModels.customerOrders('carol')).toEqual([]);
      expect(await app.readModels.stockLevel('nothing')).toBeUndefined();
    });

    it('report their lag until they have caught up', async () => {
      const { app } = await openTestShop(target, { start: false });
      await app.shop.createProduct({ productId: 'axe', name: 'Axe' }, staff);
      await app.shop.receiveStock({ productId: 'axe', quantity: 1, deliveryId: 'd-1' }, staff);
      const before = await app.reports();
      expect(before.map((report) => [report.name, report.state, report.lag.positions])).toEqual([
        ['stock-levels', 'stopped', 2],
        ['customer-orders', 'stopped', 2],
        ['confirmation-emails', 'stopped', 2],
      ]);
      app.start();
      await app.waitFor();
      for (const report of await app.reports()) {
        expect(report).toMatchObject({ position: 2, lag: { positions: 0, milliseconds: 0 } });
      }
    });
  });
}
