/**
 * The version a publication expects an entity to be at:
 * - a number: the entity exists and its latest event has that ordinal;
 * - `'new'`: the entity must not exist yet;
 * - `'any'`: no check (ask for it explicitly; it gives up optimistic concurrency).
 */
export type ExpectedVersion = number | 'new' | 'any';

/** One event, validated, serialised and identified by core, ready to insert. */
export interface EventRecord {
  /** UUID v7; within a publication, ids increase in publication order. */
  readonly id: string;
  readonly name: string;
  readonly schemaVersion: number;
  /** JSON text. */
  readonly details: string;
  readonly actor: string;
  /** Fractional days since the Unix epoch (the protocol's unit). */
  readonly timestamp: number;
  /** JSON text, or `null` when the event has no metadata. */
  readonly metadata: string | null;
}

/** The events of one entity in a publication. */
export interface EntityWrite {
  readonly id: string;
  readonly type: string;
  readonly expectedVersion: ExpectedVersion;
  /** At least one event; ordinals follow the entity's version. */
  readonly events: readonly EventRecord[];
}

/** One atomic write: every entity's events, or nothing. */
export interface PublicationRecord {
  /** Entities in publication order; each id at most once. */
  readonly entities: readonly EntityWrite[];
  /** When set, a second publication with the same id writes nothing. */
  readonly commandId: string | null;
}

/** An entity's version after a publication. */
export interface EntityVersion {
  readonly id: string;
  readonly version: number;
}

/**
 * What a provider's `publish` did. Only `published` wrote anything; every
 * other outcome rolled the whole publication back.
 */
export type PublishOutcome =
  | {
      readonly kind: 'published';
      readonly position: number;
      /** One per entity, in publication order. */
      readonly versions: readonly EntityVersion[];
    }
  | {
      /** The command id was stored already: the original result. */
      readonly kind: 'duplicate';
      readonly position: number;
      readonly versions: readonly EntityVersion[];
    }
  | {
      readonly kind: 'conflict';
      readonly entityId: string;
      readonly expectedVersion: ExpectedVersion;
      /** `null` when the entity does not exist. */
      readonly actualVersion: number | null;
    }
  | {
      readonly kind: 'type-mismatch';
      readonly entityId: string;
      readonly expectedType: string;
      readonly actualType: string;
    };

/** An event as a provider reads it: the `Events` row, JSON still as text. */
export interface EventRow {
  readonly id: string;
  readonly entityId: string;
  readonly name: string;
  readonly schemaVersion: number;
  readonly details: string;
  readonly actor: string;
  readonly timestamp: number;
  readonly ordinal: number;
  readonly position: number;
  readonly metadata: string | null;
}

/**
 * An event as a fold reads it: only what applying it to an aggregate needs —
 * its name, the schema version its details were written at, and the details
 * as stored. In one of two forms, whichever the driver hands over faster:
 * - an array `[name, schemaVersion, details]`, `details` still JSON text: a
 *   driver's array rows (pg's `rowMode: 'array'`, mysql2's `rowsAsArray`)
 *   pass through unchanged;
 * - the JSON text of that array with the details in place,
 *   `'["StockReceived",1,{"quantity":2}]'`: one column, which a driver that
 *   pays for every value it hands over (better-sqlite3) reads fastest, and
 *   one `JSON.parse` in core.
 *
 * `schemaVersion` may be `null` for 1, the version every event starts at:
 * `NULLIF(schema_version, 1)` costs a driver next to nothing on most rows.
 * No ordinal: an entity's ordinals have no gaps, so core counts them.
 */
export type FoldRow =
  | readonly [name: string, schemaVersion: number | null, details: string]
  | string;

/**
 * An `Events` row packed into one string: the JSON text of
 * `[position, id, entityId, name, schemaVersion, details, actor, timestamp, ordinal, metadata]`,
 * with `details` and `metadata` (`null` when there is none) in place as JSON
 * and `timestamp` in whole milliseconds since the Unix epoch — not the
 * protocol's fractional days, whose text a database may round.
 *
 * For a driver that pays for every value it hands over (better-sqlite3 sets
 * each column of an array row through the V8 API), one string per row and
 * one `JSON.parse` in core cost less than ten columns.
 */
export type PackedEventRow = string;

/** An `Entities` row. */
export interface EntityRow {
  readonly id: string;
  readonly type: string;
  readonly version: number;
}

/**
 * A `Snapshots` row: an aggregate's state at a version, so that loading it
 * folds only the events after that version. Snapshots are not events: a newer
 * one replaces an older one, and deleting them all loses nothing.
 */
export interface SnapshotRow {
  readonly entityId: string;
  /** The aggregate's type, as in `Entities.type`. */
  readonly type: string;
  /** The ordinal of the last event folded into the state. */
  readonly version: number;
  /** The version of the aggregate's snapshot format the state was written in. */
  readonly schemaVersion: number;
  /** JSON text. */
  readonly state: string;
  /** When it was taken, in the protocol's unit (fractional days since the Unix epoch). */
  readonly takenAt: number;
}

/**
 * What loading an aggregate from its snapshot reads (`readSnapshotAndTail`):
 * the entity's row, its usable snapshot, and the events after that snapshot.
 */
export interface SnapshotAndTailRows {
  /** The entity's row, or `undefined` when it has no events. */
  readonly entity: EntityRow | undefined;
  /** The entity's snapshot when it is of the type and schema version asked for, else `undefined`. */
  readonly snapshot: SnapshotRow | undefined;
  /**
   * The fold rows of the events after `snapshot.version` — from the first
   * event when there is no `snapshot` — in ordinal order.
   */
  readonly tail: FoldRow[];
}

/**
 * Work a publication does inside its own transaction, after its events are
 * inserted and before it commits: inline projections. When it throws, the
 * provider rolls the publication back and rethrows what it threw.
 *
 * @param transaction The driver's handle of the publication's transaction.
 * @param published The position and versions the publication is getting.
 */
export type PublicationWork<TTransaction> = (
  transaction: TTransaction,
  published: { readonly position: number; readonly versions: readonly EntityVersion[] },
) => void | Promise<void>;

/**
 * What a database must do for factline. Core owns meaning — validation,
 * ids, metadata, errors, the reading rules; a provider owns SQL.
 *
 * A provider must keep these promises (the conformance suite in
 * `@factline/testing` checks each one):
 * - `publish` is atomic, changes versions only by compare-and-set, and
 *   allocates the position as the last step before inserting under a lock
 *   held until commit, so positions are contiguous and in commit order;
 * - a failed publication writes nothing and returns (or throws) before commit;
 * - events are never updated or deleted.
 */
export interface Provider<TTransaction = unknown> {
  /** A short name for messages, e.g. `sqlite`. */
  readonly name: string;

  /** Creates or upgrades the tables; safe to call any number of times, concurrently. */
  migrate(): Promise<void>;

  /**
   * Writes a publication atomically: for each entity in order, compare-and-set
   * its version (insert when `'new'`), then allocate the next position, insert
   * the events with ordinals following each entity's version, record the
   * command id, run `work` (when given) in the same transaction, commit.
   * Only a publication that is being written runs `work`; when it throws,
   * nothing is written and `publish` rethrows it as is.
   */
  publish(
    publication: PublicationRecord,
    work?: PublicationWork<TTransaction>,
  ): Promise<PublishOutcome>;

  /** Events of one entity with `after < ordinal <= upTo`, in ordinal order. */
  readEntity(entityId: string, after: number, upTo: number): Promise<EventRow[]>;

  /**
   * The same events as `readEntity` — every one with `after < ordinal <= upTo`,
   * in ordinal order — with only the columns a fold needs, so that loading
   * an aggregate reads and builds no more than it uses. Optional: without
   * it, loads read whole rows through `readEntity`.
   */
  readFoldRows?(entityId: string, after: number, upTo: number): Promise<FoldRow[]>;

  /**
   * Events with `after < position <= after + count`, by position and, within
   * one position, in publication order. Core keeps only the contiguous prefix.
   */
  readPositions(after: number, count: number): Promise<EventRow[]>;

  /**
   * The same events as `readPositions`, in the same order, each packed into
   * one string ({@link PackedEventRow}). Optional: core reads pages this way
   * when a provider has it, and through `readPositions` when not.
   */
  readPackedPositions?(after: number, count: number): Promise<PackedEventRow[]>;

  /** The highest position written, 0 when there is none. */
  headPosition(): Promise<number>;

  /** The entity's row, or `undefined` when it has no events. */
  getEntity(entityId: string): Promise<EntityRow | undefined>;

  /**
   * The entity's snapshot, or `undefined` when it has none. Optional: a
   * provider without snapshots makes every load fold from the first event.
   */
  readSnapshot?(entityId: string): Promise<SnapshotRow | undefined>;

  /**
   * Reads at once what loading an aggregate from its snapshot needs, so that
   * a load is one round trip to a server: the entity's row (as `getEntity`),
   * its snapshot only when of `type` and `schemaVersion` (as `readSnapshot`,
   * else `undefined`), and the tail — the fold rows of `readFoldRows(entityId,
   * snapshot?.version ?? -1, Number.MAX_SAFE_INTEGER)`. The tail must start
   * right after the snapshot returned. Optional, with `readSnapshot` and
   * `readFoldRows`: without it, such loads read the three in two round trips.
   */
  readSnapshotAndTail?(
    entityId: string,
    type: string,
    schemaVersion: number,
  ): Promise<SnapshotAndTailRows>;

  /**
   * Stores a snapshot, replacing the entity's snapshot only when that one is
   * at a lower version (an upsert with `WHERE stored.version < new.version`),
   * so a late writer never puts an older state back. Optional, with
   * `readSnapshot`.
   */
  writeSnapshot?(row: SnapshotRow): Promise<void>;

  /**
   * Calls `listener` soon after any process commits a publication to this
   * database, so that projectors in other processes need not wait for their
   * next poll (PostgreSQL: `LISTEN`/`NOTIFY`). A wake-up, never a delivery:
   * readers still read by position, and a missed call only costs a poll
   * interval. Optional.
   *
   * @returns Stops watching.
   */
  watch?(listener: () => void): Promise<() => Promise<void>>;

  /** Releases what the provider opened itself (never the user's own connection). */
  close(): Promise<void>;
}
