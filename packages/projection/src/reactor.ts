import type { EventRegistry, EventStore, ProjectionStorage, StoredEvent } from '@factline/core';
import type { ReactorHandlers } from './projection-handlers.js';
import type { RunOptions } from './projection-options.js';
import { HandlerFailure, ProjectionRunner } from './projection-runner.js';
import { publicationsOf } from './publications.js';

/** How to build a {@link Reactor}. */
export interface ReactorConfig<TRegistry extends EventRegistry> extends RunOptions {
  /** Its name: the key of its checkpoint and its lease. */
  readonly name: string;
  /** The event store it follows. */
  readonly store: EventStore<TRegistry>;
  /** Where its checkpoint lives: any factline provider. */
  readonly storage: ProjectionStorage<unknown>;
  /** One handler per event name it reacts to. */
  readonly handlers: ReactorHandlers<TRegistry>;
}

type AnyHandler = (event: unknown) => unknown;

/**
 * Runs side effects for events after they are committed — the confirmation
 * email, a call to another service — at least once: a handler is retried
 * with backoff when it throws, and after a crash the publication it was on is
 * delivered again. Deduplicate with `event.id`. The checkpoint is saved after
 * each publication; a handler that keeps failing stops the reactor at its
 * event (nothing after it runs) with a `ProjectionFailedError`.
 *
 * @example
 * ```ts
 * const emails = new Reactor({
 *   name: 'order-emails',
 *   store,
 *   storage: provider,
 *   handlers: {
 *     OrderPlaced: async (event) => mailer.send(event.id, event.details),
 *   },
 * });
 * emails.start().catch(console.error);
 * ```
 */
export class Reactor<TRegistry extends EventRegistry> extends ProjectionRunner<TRegistry, unknown> {
  readonly #handlers: Readonly<Record<string, AnyHandler | undefined>>;

  /**
   * @param config Its name, the store it follows, where its checkpoint lives, its handlers.
   */
  constructor(config: ReactorConfig<TRegistry>) {
    super(config.name, config.store, config.storage, config);
    this.#handlers = config.handlers as Record<string, AnyHandler | undefined>;
  }

  protected async apply(events: readonly StoredEvent<TRegistry>[]): Promise<void> {
    for (const publication of publicationsOf(events)) {
      for (const event of publication) {
        const handler = this.#handlers[event.name];
        if (handler === undefined) continue;
        try {
          await handler(event);
        } catch (cause) {
          throw new HandlerFailure(event, cause);
        }
      }
      await this.commit(publication);
    }
  }
}
