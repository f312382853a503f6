/**
 * What a database server gives the server rows (server-rows.ts): factline's
 * provider, the raw driver's writer and reader, emptying and checking the
 * tables. postgres.ts and mysql.ts each implement it.
 */
import type { Provider } from '@factline/core';
import type { ReadEvent } from './read-event.js';

/** An event for the raw writers: its name and its details, not yet serialised. */
export interface RawEvent {
  readonly name: string;
  readonly details: unknown;
}

/** The raw driver's publications, on one connection. */
export interface RawWriter {
  /**
   * One publication of one entity, in one transaction: compare-and-set the
   * version (insert when `expected` is -1), take a position, insert the events
   * and, given a command id, record it with the position and the version
   * (a plain insert into `Commands`: a repeat fails on its key).
   *
   * @returns The entity's new version.
   * @throws When the entity was not at `expected`.
   */
  publish(
    entityId: string,
    type: string,
    expected: number,
    batch: readonly RawEvent[],
    commandId?: string,
  ): Promise<number>;
  close(): Promise<void>;
}

/** The raw driver's reads, on one connection; events built as factline builds them. */
export interface RawReader {
  readEntity(entityId: string): Promise<ReadEvent[]>;
  /** Events with `after < position <= upTo`, by position, then id. */
  readPositions(after: number, upTo: number): Promise<ReadEvent[]>;
  close(): Promise<void>;
}

/** What an append trial left in the tables. */
export interface AppendStats {
  readonly events: number;
  readonly positions: number;
  readonly head: number;
  /** Σ (version + 1) over entities: the events each entity says it has. */
  readonly versionSum: number;
  /** Entities whose version is not the highest ordinal of their events. */
  readonly versionMismatches: number;
  /** Σ details.quantity, parsed by the server: the details arrived intact. */
  readonly quantitySum: number;
  /** The stored text of the details of event 0 ({@link firstEntityIds}' ordinal 0): exactly as sent. */
  readonly firstDetails: string | null;
  /** Rows in `Commands`: the command ids recorded. */
  readonly commands: number;
}

/** The entities whose ordinal 0 holds `detailsOf(0)`, in every write row and in the fixture. */
export const firstEntityIds = ['product-0', 'writer-0-product-0'] as const;

/** Options for factline's provider, e.g. `{ "maxBatchSize": 1 }`, for experiments. */
export interface ProviderOptions {
  readonly maxBatchSize?: number;
}

/** A database server, its schema made, as the rows use it. */
export interface ServerTarget {
  /** A new provider on the bench schema. */
  provider(options: ProviderOptions): Provider;
  /**
   * A raw writer on a connection of its own. `ordered`: positions allocated
   * late, under a lock held until commit (the protocol's rule); `unordered`:
   * from a sequence, in no particular commit order.
   */
  rawWriter(order: 'ordered' | 'unordered'): Promise<RawWriter>;
  rawReader(): Promise<RawReader>;
  /** Empties the tables; restarts the Head counter and the raw sequence. */
  reset(): Promise<void>;
  appendStats(): Promise<AppendStats>;
  /** After the read fixture is written (e.g. ANALYZE). */
  fixtureWritten(): Promise<void>;
}
