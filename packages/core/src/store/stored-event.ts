import type { EventDetails, EventName } from '../event/event-registry.js';

/** What a publication says about why its events happened. */
export interface EventMetadata {
  /** The command that produced the events; repeating it writes nothing. */
  readonly commandId?: string;
  /** The id of the message (command or event) that caused this one. */
  readonly causationId?: string;
  /** The id shared by everything one request or workflow caused. */
  readonly correlationId?: string;
  /** Anything else the application wants to keep beside the events. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** The fields every stored event has, whatever its name. */
export interface StoredEventBase {
  /** UUID v7, unique across the store. */
  readonly id: string;
  readonly entityId: string;
  /** 0-based place in the entity's history; the entity's version after it. */
  readonly ordinal: number;
  /** The publication's global position; events published together share it. */
  readonly position: number;
  /** Who caused the event, for the audit trail. */
  readonly actor: string;
  readonly timestamp: Date;
  /** The version of the event's schema its details are in: the latest (older stored versions are upcast on read). */
  readonly schemaVersion: number;
  readonly metadata: EventMetadata;
}

/**
 * An event read back from the store, narrowed by its `name`:
 * `if (event.name === 'StockReceived') event.details.quantity`.
 */
export type StoredEvent<TRegistry> = {
  [K in EventName<TRegistry>]: StoredEventBase & {
    readonly name: K;
    readonly details: EventDetails<TRegistry, K>;
  };
}[EventName<TRegistry>];

/** The stored event of one name, its details typed by the registry. */
export type StoredEventNamed<TRegistry, TName extends EventName<TRegistry>> = Extract<
  StoredEvent<TRegistry>,
  { readonly name: TName }
>;
