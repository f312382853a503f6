import type { PostgresWriteTables } from './postgres-publication-statement.js';
import type { StatementWrite } from './postgres-statement-writes.js';

/**
 * A batch of publications, one entity each and no entity twice, in one
 * set-based statement: the group committer's common case without the
 * `publish(json)` function's JSON and sub-blocks.
 *
 * 1. `compared`: compare-and-set every existing entity's version at once
 *    (`UPDATE … FROM unnest(…) WHERE version = expected`), then insert every
 *    new entity (`ON CONFLICT DO NOTHING`), each in id order, so that two
 *    batches lock rows in one order (a deadlock with the function is retried).
 *    A publication whose row did not change simply drops out: the others go
 *    on.
 * 2. `head`: only after every compare-and-set has run (`tally` reads both
 *    to their end), one `UPDATE` of the `Head` row takes a position per successful
 *    publication — the last lock taken, held until the statement commits,
 *    so positions are contiguous and in commit order. Batch order decides
 *    the order of positions within the batch. The same row notifies the
 *    channel (`pg_notify`, sent at commit).
 * 3. `published`: every event of the successful publications, in one insert.
 *
 * Returns one row per publication, in batch order: its position (`null` when
 * its compare-and-set failed) and its entity's row as the statement's
 * snapshot saw it, to explain a failure (see `statementOutcome`).
 *
 * Parameters, per publication: $1 entity ids, $2 types, $3 expected versions
 * (-1 for `'new'`), $4 event counts, $5 actors, $6 timestamps, $7 metadata;
 * per event, publications in batch order: $8 publication (1-based),
 * $9 ordinals, $10 names, $11 details, $12 ids, $13 schema versions.
 *
 * @param tables The tables, quoted.
 * @returns The statement's text.
 */
export function batchStatement(tables: PostgresWriteTables): string {
  const { entities, events, head, channel } = tables;
  return `WITH publication AS (
      SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::int[], $5::text[], $6::float8[], $7::text[])
        WITH ORDINALITY AS p(entity_id, type, expected, event_count, actor, timestamp, metadata, n)
    ),
    advanced AS (
      UPDATE ${entities} AS stored SET version = stored.version + p.event_count
      FROM (SELECT * FROM publication WHERE expected >= 0 ORDER BY entity_id) AS p
      WHERE stored.id = p.entity_id AND stored.version = p.expected AND stored.type = p.type
      RETURNING p.n
    ),
    created AS (
      INSERT INTO ${entities} (id, type, version)
      SELECT entity_id, type, event_count - 1 FROM publication WHERE expected < 0 ORDER BY entity_id
      ON CONFLICT (id) DO NOTHING
      RETURNING id
    ),
    compared AS (
      SELECT n FROM advanced
      UNION ALL
      SELECT p.n FROM created JOIN publication AS p ON p.entity_id = created.id AND p.expected < 0
    ),
    -- Counting both to their end runs every compare-and-set before the Head row is locked.
    tally AS MATERIALIZED (SELECT (SELECT count(*) FROM advanced) + (SELECT count(*) FROM created) AS total),
    head AS (
      UPDATE ${head} AS h SET position = h.position + tally.total FROM tally
      WHERE h.id = 1 AND tally.total > 0
      RETURNING h.position - tally.total AS base, pg_notify(${channel}, h.position::text)
    ),
    positioned AS (
      SELECT compared.n, head.base + row_number() OVER (ORDER BY compared.n) AS position
      FROM compared CROSS JOIN head
    ),
    published AS (
      INSERT INTO ${events} (entity_id, name, details, actor, timestamp, ordinal, position, id, schema_version, metadata)
      SELECT p.entity_id, e.name, e.details, p.actor, p.timestamp, e.ordinal, positioned.position, e.id, e.schema_version, p.metadata
      FROM unnest($8::int[], $9::bigint[], $10::text[], $11::text[], $12::uuid[], $13::int[])
          WITH ORDINALITY AS e(publication, ordinal, name, details, id, schema_version, k)
        JOIN positioned ON positioned.n = e.publication
        JOIN publication AS p ON p.n = e.publication
      ORDER BY e.k
    )
    SELECT positioned.position, stored.type AS "storedType", stored.version AS "storedVersion"
    FROM publication AS p
      LEFT JOIN positioned ON positioned.n = p.n
      -- Only failures need the row; OFFSET 0 keeps it one index lookup each, however large the table.
      LEFT JOIN LATERAL (
        SELECT type, version FROM ${entities}
        WHERE id = p.entity_id AND positioned.position IS NULL OFFSET 0
      ) AS stored ON true
    ORDER BY p.n`;
}

/** What {@link batchStatement} returns per publication; BIGINTs come as strings. */
export interface BatchStatementRow {
  /** `null` when the publication's compare-and-set failed. */
  readonly position: string | null;
  /** The entity's row in the statement's snapshot, for a failed publication only. */
  readonly storedType: string | null;
  readonly storedVersion: string | null;
}

/**
 * The parameters of {@link batchStatement} for a batch's entity writes.
 *
 * @param writes One entity write per publication, in batch order.
 * @returns The values, in parameter order.
 */
export function batchParameters(writes: readonly StatementWrite[]): unknown[] {
  const publications = writes.length;
  const entityIds: string[] = new Array(publications);
  const types: string[] = new Array(publications);
  const expectedVersions: number[] = new Array(publications);
  const eventCounts: number[] = new Array(publications);
  const actors: string[] = new Array(publications);
  const timestamps: number[] = new Array(publications);
  const metadata: (string | null)[] = new Array(publications);
  const publicationOfEvent: number[] = [];
  const ordinals: number[] = [];
  const names: string[] = [];
  const details: string[] = [];
  const ids: string[] = [];
  const schemaVersions: number[] = [];
  for (let index = 0; index < publications; index++) {
    const write = writes[index] as StatementWrite;
    const expected = write.expectedVersion === 'new' ? -1 : write.expectedVersion;
    // statementWrites made sure every event shares the first one's context.
    const first = write.events[0];
    entityIds[index] = write.id;
    types[index] = write.type;
    expectedVersions[index] = expected;
    eventCounts[index] = write.events.length;
    actors[index] = first?.actor ?? '';
    timestamps[index] = first?.timestamp ?? 0;
    metadata[index] = first?.metadata ?? null;
    let ordinal = expected;
    for (const event of write.events) {
      publicationOfEvent.push(index + 1);
      ordinals.push(++ordinal);
      names.push(event.name);
      details.push(event.details);
      ids.push(event.id);
      schemaVersions.push(event.schemaVersion);
    }
  }
  return [
    entityIds,
    types,
    expectedVersions,
    eventCounts,
    actors,
    timestamps,
    metadata,
    publicationOfEvent,
    ordinals,
    names,
    details,
    ids,
    schemaVersions,
  ];
}
