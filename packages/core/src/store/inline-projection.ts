import { InlineProjectionError } from '../errors/inline-projection-error.js';
import type { EventName, EventRegistry } from '../event/event-registry.js';
import { fromProtocolTimestamp } from '../event/timestamp.js';
import type { PublicationRecord, PublicationWork } from '../provider/provider.js';
import type { EventMetadata, StoredEvent, StoredEventNamed } from './stored-event.js';

/**
 * An inline projection's handlers: at most one per event name, each given
 * the event and the publication's own transaction.
 */
export type InlineHandlers<TRegistry, TTransaction> = {
  readonly [TName in EventName<TRegistry>]?: (
    event: StoredEventNamed<TRegistry, TName>,
    transaction: TTransaction,
  ) => void | Promise<void>;
};

/**
 * A read model kept strongly consistent with the log (seeds/000's
 * `ProjectionSynchronizer`): its handlers run inside each publication's
 * transaction, after the events are inserted and before the commit. A
 * handler that throws — an invariant such as "stock may not go below zero" —
 * rolls the whole publication back, and `publish` throws an
 * `InlineProjectionError` with the handler's error as its cause.
 *
 * Every publication waits for its inline projections, inside the lock that
 * orders commits: keep them to a few indexed writes.
 *
 * @example
 * ```ts
 * const stock: InlineProjection<typeof events, SqliteDatabase> = {
 *   name: 'stock',
 *   handlers: {
 *     StockShipped: (event, db) => { … },
 *   },
 * };
 * const store = new EventStore({ provider, events, inline: [stock] });
 * ```
 */
export interface InlineProjection<TRegistry, TTransaction> {
  /** Its name, for errors. */
  readonly name: string;
  readonly handlers: InlineHandlers<TRegistry, TTransaction>;
}

type AnyHandler = (event: unknown, transaction: unknown) => unknown;

/**
 * The work of a publication for its inline projections: its events as
 * stored events, handed to each projection's handler in order. Synchronous
 * while the handlers are (SQLite's transactions need that).
 *
 * @returns The work, or `undefined` when no projection handles any of its events.
 */
export function inlineWork<TRegistry extends EventRegistry, TTransaction>(
  projections: readonly InlineProjection<TRegistry, TTransaction>[],
  record: PublicationRecord,
): PublicationWork<TTransaction> | undefined {
  const calls: { projection: string; handler: AnyHandler; entity: number; event: number }[] = [];
  record.entities.forEach((entity, entityIndex) => {
    entity.events.forEach((event, eventIndex) => {
      for (const projection of projections) {
        const handler = (projection.handlers as Record<string, AnyHandler | undefined>)[event.name];
        if (handler !== undefined) {
          calls.push({
            projection: projection.name,
            handler,
            entity: entityIndex,
            event: eventIndex,
          });
        }
      }
    });
  });
  if (calls.length === 0) return undefined;
  return (transaction, published) => {
    const events = storedEvents<TRegistry>(record, published.position, published.versions);
    const run = (index: number): void | Promise<void> => {
      for (let next = index; next < calls.length; next++) {
        const call = calls[next] as (typeof calls)[number];
        const event = (events[call.entity] as StoredEvent<TRegistry>[])[
          call.event
        ] as StoredEvent<TRegistry>;
        let result: unknown;
        try {
          result = call.handler(event, transaction);
        } catch (cause) {
          throw failure(call.projection, event, cause);
        }
        if (isPromise(result)) {
          return result.then(
            () => run(next + 1),
            (cause: unknown) => {
              throw failure(call.projection, event, cause);
            },
          );
        }
      }
    };
    return run(0);
  };
}

function storedEvents<TRegistry>(
  record: PublicationRecord,
  position: number,
  versions: readonly { readonly version: number }[],
): StoredEvent<TRegistry>[][] {
  return record.entities.map((entity, index) => {
    const last = Number((versions[index] as { version: number }).version);
    const first = last - entity.events.length + 1;
    return entity.events.map(
      (event, offset) =>
        ({
          id: event.id,
          entityId: entity.id,
          name: event.name,
          details: JSON.parse(event.details),
          ordinal: first + offset,
          position,
          actor: event.actor,
          timestamp: fromProtocolTimestamp(event.timestamp),
          schemaVersion: event.schemaVersion,
          metadata: event.metadata === null ? ({} as EventMetadata) : JSON.parse(event.metadata),
        }) as StoredEvent<TRegistry>,
    );
  });
}

function failure(
  projection: string,
  event: { readonly name: string; readonly entityId: string },
  cause: unknown,
): InlineProjectionError {
  return new InlineProjectionError({
    projection,
    eventName: event.name,
    entityId: event.entityId,
    cause,
  });
}

function isPromise(value: unknown): value is Promise<unknown> {
  return (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
