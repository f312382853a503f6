import type { JsonValue } from '../event/json-schema-of.js';

/** An aggregate's state at a version, as `EventStore.readSnapshot` gives it. */
export interface Snapshot {
  readonly entityId: string;
  /** The aggregate's type. */
  readonly type: string;
  /** The ordinal of the last event folded into the state. */
  readonly version: number;
  /** The version of the aggregate's snapshot format. */
  readonly schemaVersion: number;
  /** The state, parsed from its JSON text. */
  readonly state: JsonValue;
  /** When it was taken. */
  readonly takenAt: Date;
}

/** What `EventStore.writeSnapshot` stores; the store stamps the time. */
export interface SnapshotInput {
  readonly entityId: string;
  readonly type: string;
  readonly version: number;
  readonly schemaVersion: number;
  /** Any value JSON carries exactly. */
  readonly state: unknown;
}
