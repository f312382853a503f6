import type { EventDetails, EventName } from '../event/event-registry.js';

/**
 * An event an aggregate raised and has not saved yet, with its details as
 * the store will keep them (the schema's output).
 */
export type PendingEvent<
  TRegistry,
  THandled extends EventName<TRegistry> = EventName<TRegistry>,
> = {
  [TName in THandled]: {
    readonly name: TName;
    readonly details: EventDetails<TRegistry, TName>;
  };
}[THandled];
