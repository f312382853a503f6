import type {
  EventRegistry,
  EventStore,
  ProjectionStorage,
  StoredEvent,
  TransactionWork,
} from '@factline/core';
import type { ProjectionHandlers } from './projection-handlers.js';
import type { CatchUpResult, RebuildProgress, RunOptions } from './projection-options.js';
import { HandlerFailure, ProjectionRunner } from './projection-runner.js';
import { publicationStart } from './publications.js';

/** How to build a {@link Projector}. */
export interface ProjectorConfig<TRegistry extends EventRegistry, TTransaction> extends RunOptions {
  /** Its name: the key of its checkpoint and its lease, unique in the read-model database. */
  readonly name: string;
  /** The event store it follows. */
  readonly store: EventStore<TRegistry>;
  /**
   * Where its checkpoint lives: the provider of the read-model database
   * (`SqliteProvider`, `PostgresProvider`, `MysqlProvider`). Handlers get its
   * transaction, so the read model's writes and the checkpoint commit together.
   */
  readonly storage: ProjectionStorage<TTransaction>;
  /** One handler per event name it uses. */
  readonly handlers: ProjectionHandlers<TRegistry, TTransaction>;
  /**
   * Empties the read model, for `rebuild()`: runs in the same transaction
   * as deleting the checkpoint.
   */
  readonly reset?: TransactionWork<TTransaction>;
}

type AnyHandler<TTransaction> = (event: unknown, transaction: TTransaction) => unknown;

/**
 * Keeps a read model up to date from the event log: handlers per event name
 * write to the read-model database, and each page of events is applied in
 * one transaction with the projector's checkpoint. When the read model lives
 * in the checkpoint's database, every event's effect is therefore applied
 * exactly once, crashes included; when it lives elsewhere, handlers run at
 * least once and `event.id` deduplicates.
 *
 * @example
 * ```ts
 * const stock = new Projector({
 *   name: 'stock-levels',
 *   store,
 *   storage: provider,
 *   handlers: {
 *     StockReceived: (event, db) => {
 *       db.prepare('UPDATE stock SET quantity = quantity + ? WHERE sku = ?')
 *         .run(event.details.quantity, event.details.sku);
 *     },
 *   },
 * });
 * await stock.runUntilCaughtUp();
 * ```
 */
export class Projector<TRegistry extends EventRegistry, TTransaction> extends ProjectionRunner<
  TRegistry,
  TTransaction
> {
  readonly #handlers: Readonly<Record<string, AnyHandler<TTransaction> | undefined>>;
  readonly #reset: TransactionWork<TTransaction> | undefined;

  /**
   * @param config Its name, the store it follows, where its checkpoint lives, its handlers.
   */
  constructor(config: ProjectorConfig<TRegistry, TTransaction>) {
    super(config.name, config.store, config.storage, config);
    this.#handlers = config.handlers as Record<string, AnyHandler<TTransaction> | undefined>;
    this.#reset = config.reset;
  }

  /**
   * Empties the read model with `reset` and replays the whole log into it,
   * reporting progress after each page. Run it while the projector is
   * stopped; it takes the lease, so no other instance projects meanwhile.
   *
   * @param options `onProgress`: called after each page.
   * @returns The checkpoint reached and how many events were replayed.
   */
  rebuild(
    options: { readonly onProgress?: (progress: RebuildProgress) => void } = {},
  ): Promise<CatchUpResult> {
    return this.rebuildWith(this.#reset, options.onProgress);
  }

  protected async apply(events: readonly StoredEvent<TRegistry>[]): Promise<void> {
    try {
      await this.commit(events, (transaction) => this.#handle(events, transaction));
    } catch (error) {
      if (error instanceof HandlerFailure) {
        // Keep what came before the failing publication, so the projector stops right at it.
        const start = publicationStart(
          events,
          events.indexOf(error.event as StoredEvent<TRegistry>),
        );
        if (start > 0) {
          const before = events.slice(0, start);
          await this.commit(before, (transaction) => this.#handle(before, transaction));
        }
      }
      throw error;
    }
  }

  /**
   * Runs the handlers in order. Stays synchronous while they are (SQLite's
   * transactions need that) and continues asynchronously from the first
   * handler that returns a promise.
   */
  #handle(
    events: readonly StoredEvent<TRegistry>[],
    transaction: TTransaction,
  ): void | Promise<void> {
    for (let index = 0; index < events.length; index++) {
      const event = events[index] as StoredEvent<TRegistry>;
      const handler = this.#handlers[event.name];
      if (handler === undefined) continue;
      let result: unknown;
      try {
        result = handler(event, transaction);
      } catch (cause) {
        throw new HandlerFailure(event, cause);
      }
      if (isPromise(result)) return this.#handleAsync(result, events, index, transaction);
    }
  }

  async #handleAsync(
    pending: Promise<unknown>,
    events: readonly StoredEvent<TRegistry>[],
    index: number,
    transaction: TTransaction,
  ): Promise<void> {
    try {
      await pending;
    } catch (cause) {
      throw new HandlerFailure(events[index] as StoredEvent<TRegistry>, cause);
    }
    for (let next = index + 1; next < events.length; next++) {
      const event = events[next] as StoredEvent<TRegistry>;
      const handler = this.#handlers[event.name];
      if (handler === undefined) continue;
      try {
        await handler(event, transaction);
      } catch (cause) {
        throw new HandlerFailure(event, cause);
      }
    }
  }
}

function isPromise(value: unknown): value is Promise<unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
