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
 *    on. So does one whose command id is recorded already (a repeat).
 * 2. `head`: only after every compare-and-set has run (`tally` reads both
 *    to their end), one `UPDATE` of the `Head` row takes a position per successful
 *    publication — the last lock taken, held until the statement commits,
 *    so positions are contiguous and in commit order. Batch order decides
 *    the order of positions within the batch. The same row notifies the
 *    channel (`pg_notify`, sent at commit).
 * 3. `published`: every event of the successful publications, in one insert.
 * 4. `claimed`: the command ids of the successful publications, with the
 *    position and versions they got. A plain insert: the `Head` lock orders
 *    publishers, so an id already there was committed by another writer
 *    since this statement's snapshot — a unique violation then aborts the
 *    whole statement, nothing of it is written, and the caller sends the
 *    batch to the function, which claims ids first.
 *
 * Returns one row per publication, in batch order: its position (`null` when
 * it was not written), its entity's row as the statement's snapshot saw it,
 * to explain a failed compare-and-set (see `statementOutcome`), and the
 * position and versions its command id was recorded with before, for a
 * repeat.
 *
 * One array of each `unnest` is read through a scalar subquery, so that the
 * planner estimates the same number of rows whatever the arrays hold: given
 * the arrays as constants, it would estimate each batch exactly, find every
 * such custom plan cheaper than the generic one, and plan the statement
 * again on every execution (measured: 0.75–1.1 ms per execution against
 * 0.37–0.6 ms with the generic plan, for a batch of one).
 *
 * Parameters, per publication: $1 entity ids, $2 types, $3 expected versions
 * (-1 for `'new'`), $4 event counts, $5 actors, $6 timestamps, $7 metadata,
 * $8 command ids (`null` for none); per event, publications in batch order:
 * $9 publication (1-based), $10 ordinals, $11 names, $12 details, $13 ids,
 * $14 schema versions.
 *
 * @param tables The tables, quoted.
 * @returns The statement's text.
 */
export function batchStatement(tables: PostgresWriteTables): string {
  const { entities, events, commands, head, channel } = tables;
  // (SELECT …) around one array of each unnest keeps the plan generic: see above.
  return `WITH publication AS (
      SELECT * FROM unnest((SELECT $1::text[]), $2::text[], $3::bigint[], $4::int[], $5::text[], $6::float8[], $7::text[], $8::text[])
        WITH ORDINALITY AS p(entity_id, type, expected, event_count, actor, timestamp, metadata, command_id, n)
    ),
    -- A repeat of a recorded command writes nothing: it neither compares nor sets. OFFSET 0 keeps
    -- the check one index lookup per publication: planned while the table was small, a NOT EXISTS
    -- may become a hash of the whole table, and prepared statements keep their plan as it grows.
    fresh AS (
      SELECT p.* FROM publication AS p
        LEFT JOIN LATERAL (
          SELECT true AS found FROM ${commands} WHERE command_id = p.command_id OFFSET 0
        ) AS recorded ON true
      WHERE recorded.found IS NULL
    ),
    advanced AS (
      UPDATE ${entities} AS stored SET version = stored.version + p.event_count
      FROM (SELECT * FROM fresh WHERE expected >= 0 ORDER BY entity_id) AS p
      WHERE stored.id = p.entity_id AND stored.version = p.expected AND stored.type = p.type
      RETURNING p.n
    ),
    created AS (
      INSERT INTO ${entities} (id, type, version)
      SELECT entity_id, type, event_count - 1 FROM fresh WHERE expected < 0 ORDER BY entity_id
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
      FROM unnest((SELECT $9::int[]), $10::bigint[], $11::text[], $12::text[], $13::uuid[], $14::int[])
          WITH ORDINALITY AS e(publication, ordinal, name, details, id, schema_version, k)
        JOIN positioned ON positioned.n = e.publication
        JOIN publication AS p ON p.n = e.publication
      ORDER BY e.k
    ),
    claimed AS (
      INSERT INTO ${commands} (command_id, position, versions)
      SELECT p.command_id, positioned.position,
        json_build_array(json_build_object('id', p.entity_id, 'version', p.expected + p.event_count))::text
      FROM positioned JOIN publication AS p ON p.n = positioned.n
      WHERE p.command_id IS NOT NULL
    )
    SELECT positioned.position, stored.type AS "storedType", stored.version AS "storedVersion",
      recorded.position AS "commandPosition", recorded.versions AS "commandVersions"
    FROM publication AS p
      LEFT JOIN positioned ON positioned.n = p.n
      -- Only publications not written need these; OFFSET 0 keeps each one index lookup, however large the table.
      LEFT JOIN LATERAL (
        SELECT type, version FROM ${entities}
        WHERE id = p.entity_id AND positioned.position IS NULL OFFSET 0
      ) AS stored ON true
      -- A repeat: its command id as recorded before this statement.
      LEFT JOIN LATERAL (
        SELECT position, versions FROM ${commands}
        WHERE command_id = p.command_id AND positioned.position IS NULL OFFSET 0
      ) AS recorded ON true
    ORDER BY p.n`;
}

/** What {@link batchStatement} returns per publication; BIGINTs come as strings. */
export interface BatchStatementRow {
  /** `null` when the publication was not written. */
  readonly position: string | null;
  /** The entity's row in the statement's snapshot, for a publication not written only. */
  readonly storedType: string | null;
  readonly storedVersion: string | null;
  /** The position its command id was recorded with before this statement, for a repeat. */
  readonly commandPosition: string | null;
  /** The versions, as JSON text, its command id was recorded with. */
  readonly commandVersions: string | null;
}

/**
 * The parameters of {@link batchStatement} for a batch's entity writes.
 *
 * @param writes One entity write per publication, in batch order.
 * @param commandIds Each publication's command id, `null` for none; none at all when omitted.
 * @returns The values, in parameter order.
 */
export function batchParameters(
  writes: readonly StatementWrite[],
  commandIds: readonly (string | null)[] = writes.map(() => null),
): unknown[] {
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
    commandIds,
    publicationOfEvent,
    ordinals,
    names,
    details,
    ids,
    schemaVersions,
  ];
}
