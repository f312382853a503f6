import type { StatementWrite } from './postgres-statement-writes.js';

/** The quoted, schema-qualified tables a publishing statement writes, and what it notifies. */
export interface PostgresWriteTables {
  readonly entities: string;
  readonly events: string;
  /** Where command ids are recorded, with the position and versions they got. */
  readonly commands: string;
  readonly head: string;
  /** The notification channel, as a quoted SQL literal: `pg_notify` goes out at commit. */
  readonly channel: string;
}

/**
 * One publication of one entity in one statement — a batch of one skips the
 * `publish(json)` function and its JSON. Two variants, so that each plan is
 * as plain as the work: `'new'` inserts the entity (`ON CONFLICT DO NOTHING`),
 * `'existing'` compare-and-sets its version. Only when that wrote a row is
 * the `Head` row updated — the last lock taken, held until the statement
 * commits — the channel notified, and the events inserted at the position
 * it returns.
 *
 * Returns the position in one row, or no row when the compare-and-set
 * failed; then nothing was written, and the caller reads the entity to say
 * why.
 *
 * Parameters: $1 entity id, $2 type, $3 expected version (-1 for `'new'`),
 * $4 event count, $5 actor, $6 timestamp, $7 metadata; per event: $8 names,
 * $9 details, $10 ids, $11 schema versions.
 *
 * @param tables The tables, quoted.
 * @param entity Whether the entity is new or must be at the expected version.
 * @returns The statement's text.
 */
export function publicationStatement(
  tables: PostgresWriteTables,
  entity: 'new' | 'existing',
): string {
  const { entities, events, head, channel } = tables;
  const compareAndSet =
    entity === 'new'
      ? `INSERT INTO ${entities} (id, type, version) VALUES ($1, $2, $4::int - 1)
          ON CONFLICT (id) DO NOTHING RETURNING 1`
      : `UPDATE ${entities} SET version = version + $4::int
          WHERE id = $1 AND version = $3::bigint AND type = $2 RETURNING 1`;
  return `WITH compared AS (${compareAndSet}),
    head AS (
      UPDATE ${head} SET position = position + 1
      WHERE id = 1 AND EXISTS (SELECT FROM compared)
      RETURNING position, pg_notify(${channel}, position::text)
    ),
    published AS (
      INSERT INTO ${events} (entity_id, name, details, actor, timestamp, ordinal, position, id, schema_version, metadata)
      SELECT $1, e.name, e.details, $5, $6::float8, $3::bigint + e.n, head.position, e.id, e.schema_version, $7
      FROM head, unnest($8::text[], $9::text[], $10::uuid[], $11::int[])
        WITH ORDINALITY AS e(name, details, id, schema_version, n)
    )
    SELECT position FROM head`;
}

/**
 * The parameters of {@link publicationStatement} for one entity write.
 *
 * @param write The publication's entity write.
 * @returns The values, in parameter order.
 */
export function publicationParameters(write: StatementWrite): unknown[] {
  const count = write.events.length;
  const names: string[] = new Array(count);
  const details: string[] = new Array(count);
  const ids: string[] = new Array(count);
  const schemaVersions: number[] = new Array(count);
  for (let index = 0; index < count; index++) {
    const event = write.events[index];
    if (event === undefined) continue;
    names[index] = event.name;
    details[index] = event.details;
    ids[index] = event.id;
    schemaVersions[index] = event.schemaVersion;
  }
  // statementWrites made sure every event shares the first one's context.
  const first = write.events[0];
  return [
    write.id,
    write.type,
    write.expectedVersion === 'new' ? -1 : write.expectedVersion,
    count,
    first?.actor,
    first?.timestamp,
    first?.metadata,
    names,
    details,
    ids,
    schemaVersions,
  ];
}
