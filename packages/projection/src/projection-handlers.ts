import type { EventName, StoredEventNamed } from '@factline/core';

/**
 * A projector's handlers: at most one per event name, each given the event
 * and the read-model database's transaction. Events without a handler are
 * passed over (the checkpoint still moves past them). A name the registry
 * does not declare is a compile error.
 */
export type ProjectionHandlers<TRegistry, TTransaction> = {
  readonly [TName in EventName<TRegistry>]?: (
    event: StoredEventNamed<TRegistry, TName>,
    transaction: TTransaction,
  ) => void | Promise<void>;
};

/**
 * A reactor's handlers: side effects (an email, a call to another service),
 * run after the event was committed, outside any transaction, at least once —
 * deduplicate by `event.id`.
 */
export type ReactorHandlers<TRegistry> = {
  readonly [TName in EventName<TRegistry>]?: (
    event: StoredEventNamed<TRegistry, TName>,
  ) => void | Promise<void>;
};
