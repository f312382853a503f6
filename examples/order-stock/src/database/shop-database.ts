import type { ProjectionStorage, Provider } from '@factline/core';
import type { ReadModels } from '../read-models/read-models.js';

/**
 * One database holding everything of the shop: the event store's tables,
 * the projectors' checkpoints, and the read models. Sharing it is what lets
 * a projector commit its read-model writes and its checkpoint in one
 * transaction — each event's effect applied exactly once.
 *
 * `TTransaction` is the provider's transaction handle, which the read
 * models' writes receive.
 */
export interface ShopDatabase<TTransaction> {
  /** Which database, for messages (no password). */
  readonly description: string;
  /** The provider: the event store's, and the projectors' storage. */
  readonly provider: Provider & ProjectionStorage<TTransaction>;
  /** The read models' SQL for this database. */
  readonly readModels: ReadModels<TTransaction>;
  /**
   * Drops all of the shop's tables — events included — so that a run starts
   * from nothing. The scenario does this; the server never does.
   */
  erase(): Promise<void>;
}
