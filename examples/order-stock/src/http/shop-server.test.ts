import type { AddressInfo } from 'node:net';
import { describe, expect, it, onTestFinished } from 'vitest';
import { openTestShop } from '../testing/open-test-shop.js';
import { type TestDatabase, testDatabases } from '../testing/test-databases.js';
import { createShopServer } from './shop-server.js';

/** What a call returned. */
interface Answer {
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: a test reads JSON answers field by field.
  readonly body: any;
  readonly headers: Headers;
}

type Call = (
  method: string,
  path: string,
  body?: unknown,
  headers?: Record<string, string>,
) => Promise<Answer>;

/** Opens the shop on `target`, serves it on a free port, and returns a caller for it. */
async function serve(target: TestDatabase): Promise<Call> {
  const { app } = await openTestShop(target);
  const errors: unknown[] = [];
  const server = createShopServer(app, (_message, error) => errors.push(error));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    // A 500 is a bug in the example: no test expects one.
    expect(errors).toEqual([]);
  });
  const { port } = server.address() as AddressInfo;
  return async (method, path, body, headers = {}) => {
    const response = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: response.status, body: await response.json(), headers: response.headers };
  };
}

/** A product with `quantity` in stock, through the API. */
async function stocked(call: Call, productId: string, quantity: number): Promise<void> {
  expect((await call('POST', '/products', { productId, name: productId })).status).toBe(201);
  const delivery = { quantity, deliveryId: `delivery-${productId}` };
  expect((await call('POST', `/products/${productId}/deliveries`, delivery)).status).toBe(201);
}

const order = (orderId: string, quantity: number, productId = 'anvil') => ({
  orderId,
  customerId: 'alice',
  email: 'alice@example.com',
  lines: [{ productId, quantity }],
});

for (const target of await testDatabases()) {
  describe.skipIf(!target.available)(`the HTTP API on ${target.name}`, () => {
    it('adds products, receives stock, places and cancels orders, and reads them back', async () => {
      const call = await serve(target);
      expect(await call('POST', '/products', { productId: 'anvil', name: 'Anvil' })).toMatchObject({
        status: 201,
        body: { productId: 'anvil', position: 1 },
      });
      const delivery = { quantity: 5, deliveryId: 'delivery-100' };
      expect((await call('POST', '/products/anvil/deliveries', delivery)).body).toEqual({
        productId: 'anvil',
        position: 2,
        duplicate: false,
      });
      // The same delivery again: counted once, and the answer says so.
      expect(await call('POST', '/products/anvil/deliveries', delivery)).toMatchObject({
        status: 200,
        body: { position: 2, duplicate: true },
      });

      const placed = await call('POST', '/orders', order('order-1', 2), { 'X-Actor': 'web:alice' });
      expect(placed).toMatchObject({
        status: 201,
        body: { orderId: 'order-1', status: 'placed', position: 3, attempts: 1 },
      });
      // Read your own write: wait for the read model to reach the order's position.
      expect((await call('GET', '/stock/anvil?position=3')).body).toEqual({
        productId: 'anvil',
        name: 'Anvil',
        available: 3,
        reserved: 2,
      });
      const orders = await call('GET', '/customers/alice/orders?position=3');
      expect(orders.body).toMatchObject([
        {
          orderId: 'order-1',
          status: 'placed',
          units: 2,
          lines: [{ productId: 'anvil', quantity: 2 }],
        },
      ]);
      expect((await call('GET', '/orders/order-1')).body).toMatchObject({
        status: 'placed',
        version: 0,
      });

      const cancel = { reason: 'changed my mind' };
      expect(await call('POST', '/orders/order-1/cancel', cancel)).toMatchObject({
        status: 200,
        body: { orderId: 'order-1', status: 'cancelled', position: 4 },
      });
      expect(await call('POST', '/orders/order-1/cancel', cancel)).toMatchObject({
        status: 200,
        body: { status: 'cancelled', unchanged: true },
      });
      expect((await call('GET', '/stock?position=4')).body).toEqual([
        { productId: 'anvil', name: 'Anvil', available: 5, reserved: 0 },
      ]);

      const history = await call('GET', '/entities/order-1/history', undefined, {
        'X-Request-Id': 'request-42',
      });
      expect(history.headers.get('x-request-id')).toBe('request-42');
      expect(history.body).toMatchObject({ id: 'order-1', type: 'Order', version: 1 });
      expect(
        history.body.events.map((event: { name: string; actor: string }) => [
          event.name,
          event.actor,
        ]),
      ).toEqual([
        ['OrderPlaced', 'web:alice'],
        ['OrderCancelled', 'customer'],
      ]);
      expect(history.body.events[0].metadata.correlationId).toBe(
        placed.headers.get('x-request-id'),
      );

      await call('GET', '/stock?position=4'); // every runner has seen the log by now, or soon
      const status = await call('GET', '/projectors');
      expect(status.body.head).toBe(4);
      expect(status.body.projectors.map((runner: { name: string }) => runner.name)).toEqual([
        'stock-levels',
        'customer-orders',
        'confirmation-emails',
      ]);
    });

    it('answers bad input with 400 and the reason', async () => {
      const call = await serve(target);
      await stocked(call, 'anvil', 5);
      expect(await call('POST', '/products', '{"productId": ')).toMatchObject({
        status: 400,
        body: { error: { code: 'BAD_JSON' } },
      });
      const noUnits = await call('POST', '/products/anvil/deliveries', {
        quantity: 0,
        deliveryId: 'd-1',
      });
      expect(noUnits).toMatchObject({
        status: 400,
        body: { error: { code: 'BAD_REQUEST', issues: [{ path: 'quantity' }] } },
      });
      const typo = await call('POST', '/orders', { ...order('order-1', 1), line: [] });
      expect(typo.status).toBe(400);
      expect(typo.body.error.issues.map((issue: { path: string }) => issue.path)).toContain('line');
      // The request's schema lets 0 through; the event's schema does not: factline's ValidationError.
      const nothing = await call('POST', '/products/anvil/adjustments', { change: 0, reason: 'x' });
      expect(nothing).toMatchObject({
        status: 400,
        body: { error: { code: 'VALIDATION', issues: [{ path: 'change' }] } },
      });
      expect(
        (await call('POST', '/orders', { ...order('order-1', 1), email: 'alice' })).status,
      ).toBe(400);
      expect((await call('GET', '/stock?position=soon')).status).toBe(400);
    });

    it('answers conflicts with 409 and the facts', async () => {
      const call = await serve(target);
      await stocked(call, 'anvil', 2);
      expect(await call('POST', '/orders', order('order-1', 3))).toMatchObject({
        status: 409,
        body: { error: { code: 'OUT_OF_STOCK', productId: 'anvil', requested: 3, available: 2 } },
      });
      expect(await call('POST', '/products', { productId: 'anvil', name: 'Anvil' })).toMatchObject({
        status: 409,
        body: { error: { code: 'ALREADY_EXISTS', entityType: 'Product', entityId: 'anvil' } },
      });
      await call('POST', '/orders', order('order-1', 1));
      expect(await call('POST', '/orders', order('order-1', 1))).toMatchObject({
        status: 409,
        body: { error: { code: 'ALREADY_EXISTS', entityType: 'Order' } },
      });
      // An order id used for a product: the store refuses to mix types.
      expect(
        (await call('POST', '/products/order-1/deliveries', { quantity: 1, deliveryId: 'd' })).body,
      ).toMatchObject({ error: { code: 'ENTITY_TYPE_MISMATCH' } });
    });

    it('answers 404 for what does not exist, and 405 for a wrong method', async () => {
      const call = await serve(target);
      const delivery = { quantity: 1, deliveryId: 'd-1' };
      expect(await call('POST', '/products/none/deliveries', delivery)).toMatchObject({
        status: 404,
        body: { error: { code: 'AGGREGATE_NOT_FOUND', type: 'Product', id: 'none' } },
      });
      expect((await call('POST', '/orders', order('order-1', 1, 'none'))).status).toBe(404);
      expect((await call('POST', '/orders/none/cancel', {})).status).toBe(404);
      expect((await call('GET', '/orders/none')).status).toBe(404);
      expect((await call('GET', '/stock/none')).status).toBe(404);
      expect((await call('GET', '/entities/none/history')).status).toBe(404);
      expect((await call('GET', '/nowhere')).status).toBe(404);
      const wrongMethod = await call('GET', '/orders');
      expect(wrongMethod.status).toBe(405);
      expect(wrongMethod.headers.get('allow')).toBe('POST');
    });

    it('never oversells, over HTTP: 20 concurrent orders against a stock of 5', async () => {
      const call = await serve(target);
      await stocked(call, 'anvil', 5);
      const answers = await Promise.all(
        Array.from({ length: 20 }, (_, index) =>
          call('POST', '/orders', order(`order-${index}`, 1)),
        ),
      );
      const statuses = answers.map((answer) => answer.status).sort();
      expect(statuses).toEqual([...Array(5).fill(201), ...Array(15).fill(409)]);
      for (const answer of answers.filter((answer) => answer.status === 409)) {
        expect(answer.body.error).toMatchObject({ code: 'OUT_OF_STOCK', available: 0 });
      }
      const head = (await call('GET', '/projectors')).body.head;
      expect((await call('GET', `/stock/anvil?position=${head}`)).body).toMatchObject({
        available: 0,
        reserved: 5,
      });
    });
  });
}
