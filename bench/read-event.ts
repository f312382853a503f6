/**
 * The event the raw readers build: the shape factline's reads return, field
 * for field in the same order (so both sides' events share one hidden class
 * and the timed loops over them do the same work).
 */
import { millisecondsPerDay } from './stored-timestamp.js';

/** An event as factline returns it, built by the raw readers too. */
export interface ReadEvent {
  readonly id: string;
  readonly entityId: string;
  readonly name: string;
  readonly details: unknown;
  readonly ordinal: number;
  readonly position: number;
  readonly actor: string;
  readonly timestamp: Date;
  readonly schemaVersion: number;
  readonly metadata: object;
}

/** The metadata of an event stored without any, shared as factline shares it. */
export const noMetadata = Object.freeze({});

/** The columns the raw readers select, in the order of {@link EventRow}. */
export const eventRowColumns =
  'id, entity_id, name, details, ordinal, position, actor, timestamp, schema_version, metadata';

/**
 * A row as better-sqlite3 (`.raw()`) and mysql2 (`rowsAsArray`) give it:
 * an array, integers as numbers — cheaper than the drivers' row objects.
 */
export type EventRow = [
  id: string,
  entityId: string,
  name: string,
  details: string,
  ordinal: number,
  position: number,
  actor: string,
  timestamp: number,
  schemaVersion: number,
  metadata: string | null,
];

/**
 * Builds the event of a row.
 *
 * @param row The row's columns, in the order of {@link eventRowColumns}.
 * @returns The event, details and metadata parsed, the timestamp a Date.
 */
export function readEventOf(row: EventRow): ReadEvent {
  return {
    id: row[0],
    entityId: row[1],
    name: row[2],
    details: JSON.parse(row[3]),
    ordinal: row[4],
    position: row[5],
    actor: row[6],
    timestamp: new Date(Math.round(row[7] * millisecondsPerDay)),
    schemaVersion: row[8],
    metadata: row[9] === null ? noMetadata : JSON.parse(row[9]),
  };
}

/**
 * Builds the events of rows, in their order.
 *
 * @param rows The rows of one query.
 * @returns One event per row.
 */
export function readEventsOf(rows: readonly EventRow[]): ReadEvent[] {
  const events: ReadEvent[] = new Array(rows.length);
  for (let index = 0; index < rows.length; index++)
    events[index] = readEventOf(rows[index] as EventRow);
  return events;
}
