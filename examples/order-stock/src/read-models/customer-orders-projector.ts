import type { ProjectionStorage } from '@factline/core';
import { Projector, type RunOptions } from '@factline/projection';
import type { ShopEvents, ShopStore } from '../domain/shop-events.js';
import type { ReadModels } from './read-models.js';

/**
 * Keeps the `customer_orders` table: every order, with its lines and
 * status, looked up by customer — a question the event log cannot answer
 * without reading every order.
 *
 * @param store The shop's event store.
 * @param storage The provider whose database holds the table and the checkpoint.
 * @param readModels The tables' SQL for that database.
 * @param options Poll interval, lease, hooks.
 * @returns The projector, not started.
 */
export function customerOrdersProjector<TTransaction>(
  store: ShopStore,
  storage: ProjectionStorage<TTransaction>,
  readModels: ReadModels<TTransaction>,
  options: RunOptions = {},
): Projector<ShopEvents, TTransaction> {
  return new Projector({
    ...options,
    name: 'customer-orders',
    store,
    storage,
    handlers: {
      OrderPlaced: (event, transaction) =>
        readModels.addOrder(transaction, {
          orderId: event.entityId,
          customerId: event.details.customerId,
          status: 'placed',
          lines: event.details.lines,
          units: event.details.lines.reduce((units, line) => units + line.quantity, 0),
          placedAt: event.timestamp.toISOString(),
        }),
      OrderCancelled: (event, transaction) => readModels.cancelOrder(transaction, event.entityId),
    },
    reset: (transaction) => readModels.resetCustomerOrders(transaction),
  });
}
