import type { ProjectionStorage } from '@factline/core';
import { Projector, type RunOptions } from '@factline/projection';
import type { ShopEvents, ShopStore } from '../domain/shop-events.js';
import type { ReadModels } from './read-models.js';

/**
 * Keeps the `stock_levels` table: each product's available and reserved
 * units. It runs after commit, so it may be a moment behind the events; the
 * invariant is enforced on the write side, never from this table.
 *
 * @param store The shop's event store.
 * @param storage The provider whose database holds the table and the checkpoint.
 * @param readModels The tables' SQL for that database.
 * @param options Poll interval, lease, hooks.
 * @returns The projector, not started.
 */
export function stockLevelsProjector<TTransaction>(
  store: ShopStore,
  storage: ProjectionStorage<TTransaction>,
  readModels: ReadModels<TTransaction>,
  options: RunOptions = {},
): Projector<ShopEvents, TTransaction> {
  return new Projector({
    ...options,
    name: 'stock-levels',
    store,
    storage,
    handlers: {
      ProductCreated: (event, transaction) =>
        readModels.createStockLevel(transaction, event.entityId, event.details.name),
      StockReceived: (event, transaction) =>
        readModels.changeStock(transaction, event.entityId, {
          available: event.details.quantity,
          reserved: 0,
        }),
      StockAdjusted: (event, transaction) =>
        readModels.changeStock(transaction, event.entityId, {
          available: event.details.change,
          reserved: 0,
        }),
      StockReserved: (event, transaction) =>
        readModels.changeStock(transaction, event.entityId, {
          available: -event.details.quantity,
          reserved: event.details.quantity,
        }),
      StockReleased: (event, transaction) =>
        readModels.changeStock(transaction, event.entityId, {
          available: event.details.quantity,
          reserved: -event.details.quantity,
        }),
    },
    reset: (transaction) => readModels.resetStockLevels(transaction),
  });
}
