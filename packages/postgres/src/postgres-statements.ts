import { createHash } from 'node:crypto';
import { batchStatement } from './postgres-batch-statement.js';
import { publicationStatement } from './postgres-publication-statement.js';

/** PostgreSQL's longest name, in bytes (NAMEDATALEN - 1): channels are names. */
const maxNameLength = 63;

/**
 * The `LISTEN`/`NOTIFY` channel of one schema and prefix: every publication
 * transaction notifies it, so watchers in other processes wake up.
 *
 * @param schema The schema, checked.
 * @param prefix The table prefix, checked.
 * @returns `factline:<schema>:<prefix>`, or a hash of it when that is longer than 63 bytes.
 */
export function notificationChannel(schema: string, prefix: string): string {
  // Checked names are ASCII: characters are bytes. ':' appears in neither, so no two collide.
  const channel = `factline:${schema}:${prefix}`;
  if (channel.length <= maxNameLength) return channel;
  return `factline:${createHash('sha256').update(channel).digest('hex').slice(0, 48)}`;
}

/** Quotes a value as a SQL string literal. */
function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * The SQL of the PostgreSQL provider. Names come from a checked schema and
 * prefix and are quoted; every value is a parameter.
 */
export function postgresStatements(schema: string, prefix: string) {
  const name = (table: string) => `"${schema}"."${prefix}${table}"`;
  const entities = name('Entities');
  const events = name('Events');
  const commands = name('Commands');
  const head = name('Head');
  const migrations = name('Migrations');
  const snapshots = name('Snapshots');
  const publish = name('publish');
  const projections = name('Projections');
  const channel = notificationChannel(schema, prefix);
  const writes = { entities, events, commands, head, channel: quoteLiteral(channel) };
  const eventColumns =
    'id, entity_id AS "entityId", name, schema_version AS "schemaVersion", details, actor, timestamp, ordinal, position, metadata';
  return {
    channel,
    createSchema: `CREATE SCHEMA IF NOT EXISTS "${schema}"`,
    // Two processes migrating at once queue on this lock instead of racing.
    lockMigrations: 'SELECT pg_advisory_xact_lock(hashtext($1))',
    migrationsTable: `CREATE TABLE IF NOT EXISTS ${migrations} (
      version INT NOT NULL PRIMARY KEY,
      description TEXT NOT NULL,
      applied_at DOUBLE PRECISION NOT NULL
    )`,
    currentMigration: `SELECT COALESCE(MAX(version), 0) AS version FROM ${migrations}`,
    recordMigration: `INSERT INTO ${migrations} (version, description, applied_at) VALUES ($1, $2, $3)`,
    migrations: [
      {
        version: 1,
        description:
          'Entities, Events, Projections (the Common Protocol), Commands, Head and publish()',
        sql: `
          CREATE TABLE IF NOT EXISTS ${entities} (
            id TEXT NOT NULL PRIMARY KEY,
            type TEXT NOT NULL,
            version BIGINT NOT NULL
          );
          CREATE TABLE IF NOT EXISTS ${events} (
            entity_id TEXT NOT NULL,
            name TEXT NOT NULL,
            details TEXT NOT NULL,
            actor TEXT NOT NULL,
            timestamp DOUBLE PRECISION NOT NULL,
            ordinal BIGINT NOT NULL,
            position BIGINT NOT NULL,
            id UUID NOT NULL,
            schema_version INT NOT NULL DEFAULT 1,
            metadata TEXT,
            CONSTRAINT "${prefix}Events_entity_ordinal" UNIQUE (entity_id, ordinal),
            CONSTRAINT "${prefix}Events_id" UNIQUE (id)
          );
          CREATE INDEX IF NOT EXISTS "${prefix}Events_position" ON ${events} (position);
          CREATE TABLE IF NOT EXISTS ${name('Projections')} (
            source TEXT NOT NULL PRIMARY KEY,
            position BIGINT
          );
          CREATE TABLE IF NOT EXISTS ${commands} (
            command_id TEXT NOT NULL PRIMARY KEY,
            position BIGINT NOT NULL,
            versions TEXT NOT NULL
          );
          CREATE TABLE IF NOT EXISTS ${head} (
            id INT NOT NULL PRIMARY KEY CHECK (id = 1),
            position BIGINT NOT NULL
          );
          INSERT INTO ${head} (id, position) VALUES (1, 0) ON CONFLICT (id) DO NOTHING;
          ${publishFunction(publish, { entities, events, commands, head })}`,
      },
      {
        version: 2,
        description: 'Snapshots',
        sql: `
          CREATE TABLE IF NOT EXISTS ${snapshots} (
            entity_id TEXT NOT NULL PRIMARY KEY,
            type TEXT NOT NULL,
            version BIGINT NOT NULL,
            schema_version INT NOT NULL,
            state TEXT NOT NULL,
            taken_at DOUBLE PRECISION NOT NULL
          );`,
      },
      {
        version: 3,
        description:
          'Projections per projector and source, with the event id; ProjectorLeases; publish() notifies',
        // Rows written by other protocol implementations stay, with projector ''.
        sql: `
          ALTER TABLE ${projections} ADD COLUMN IF NOT EXISTS projector TEXT NOT NULL DEFAULT '';
          ALTER TABLE ${projections} ADD COLUMN IF NOT EXISTS event_id TEXT;
          ALTER TABLE ${projections} ADD COLUMN IF NOT EXISTS updated_at DOUBLE PRECISION;
          DO $migration$
          DECLARE
            key_name name;
          BEGIN
            -- The key of migration 1 (source alone), whatever the server named it.
            SELECT conname INTO key_name FROM pg_constraint
              WHERE conrelid = ${quoteLiteral(projections)}::regclass AND contype = 'p';
            IF key_name IS NOT NULL THEN
              EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', ${quoteLiteral(projections)}, key_name);
            END IF;
          END
          $migration$;
          ALTER TABLE ${projections} ADD PRIMARY KEY (projector, source);
          CREATE TABLE IF NOT EXISTS ${name('ProjectorLeases')} (
            projector TEXT NOT NULL PRIMARY KEY,
            owner TEXT NOT NULL,
            expires_at BIGINT NOT NULL
          );
          ${publishFunction(publish, { entities, events, commands, head }, quoteLiteral(channel))}`,
      },
    ],
    publish: `SELECT ${publish}($1::json) AS outcomes`,
    // The common case without the function: one entity per publication, no 'any'.
    publishNew: publicationStatement(writes, 'new'),
    publishExisting: publicationStatement(writes, 'existing'),
    publishBatch: batchStatement(writes),
    getEntity: `SELECT id, type, version FROM ${entities} WHERE id = $1`,
    headPosition: `SELECT COALESCE(MAX(position), 0) AS position FROM ${events}`,
    readSnapshot: `SELECT entity_id AS "entityId", type, version, schema_version AS "schemaVersion", state, taken_at AS "takenAt"
      FROM ${snapshots} WHERE entity_id = $1`,
    // Replaces only an older snapshot: a late writer never puts an older state back.
    writeSnapshot: `INSERT INTO ${snapshots} AS s (entity_id, type, version, schema_version, state, taken_at)
      VALUES ($1, $2, $3, $4, $5, $6)
      ON CONFLICT (entity_id) DO UPDATE SET type = EXCLUDED.type, version = EXCLUDED.version,
        schema_version = EXCLUDED.schema_version, state = EXCLUDED.state, taken_at = EXCLUDED.taken_at
      WHERE s.version < EXCLUDED.version`,
    readEntity: `SELECT ${eventColumns} FROM ${events}
      WHERE entity_id = $1 AND ordinal > $2 AND ordinal <= $3 ORDER BY ordinal`,
    // Core makes a publication's ids increase in publication order (UUID v7).
    readPositions: `SELECT ${eventColumns} FROM ${events}
      WHERE position > $1 AND position <= $2 ORDER BY position, id`,
  };
}

/** The statements of one schema and prefix. */
export type PostgresStatements = ReturnType<typeof postgresStatements>;

/**
 * `publish(batch json) → json`: writes a batch of publications in one
 * statement, so one round trip and one commit serve many publications.
 *
 * Each publication's command-id claim and compare-and-sets run in their own
 * block: a failure rolls back that block only and is reported, the others go
 * on. Then the position counter row is locked — held until commit, so
 * positions are contiguous and in commit order — one position per successful
 * publication, and all events are inserted at once. The batch is `json`, not
 * `jsonb`, so `details` keep their exact text.
 *
 * The provider calls it only for batches the compare-and-set statements
 * cannot take (several entities in a publication, command ids, `'any'`, an
 * entity twice), for publications those statements left undecided, and for
 * publications with inline work (a batch of one, in the provider's own
 * transaction).
 *
 * Since migration 3 it notifies `channel` (a quoted literal) when it wrote
 * anything; migration 1 created it without.
 */
function publishFunction(
  fn: string,
  tables: { entities: string; events: string; commands: string; head: string },
  channel?: string,
): string {
  const { entities, events, commands, head } = tables;
  return `
CREATE OR REPLACE FUNCTION ${fn}(batch json) RETURNS json LANGUAGE plpgsql AS $fn$
DECLARE
  publication json;
  entity json;
  event json;
  outcomes json[] := '{}';
  succeeded int[] := '{}';
  command_ids text[] := '{}';
  publication_versions json[] := '{}';
  versions json[];
  failure json;
  expected text;
  event_count int;
  first_ordinal bigint;
  stored_type text;
  stored_version bigint;
  command_position bigint;
  command_versions text;
  last_position bigint;
  base_position bigint;
  n int := 0;
  p_entity text[]; p_name text[]; p_details text[]; p_actor text[]; p_timestamp float8[];
  p_ordinal bigint[]; p_id uuid[]; p_schema int[]; p_metadata text[];
  e_publication int[] := '{}';
  e_entity text[] := '{}'; e_name text[] := '{}'; e_details text[] := '{}'; e_actor text[] := '{}';
  e_timestamp float8[] := '{}'; e_ordinal bigint[] := '{}'; e_id uuid[] := '{}';
  e_schema int[] := '{}'; e_metadata text[] := '{}';
BEGIN
  FOR publication IN SELECT value FROM json_array_elements(batch) LOOP
    n := n + 1;
    outcomes := outcomes || NULL::json;
    IF publication->>'commandId' IS NOT NULL THEN
      -- Claiming the id first makes a concurrent repeat wait for this one and see it.
      INSERT INTO ${commands} (command_id, position, versions)
        VALUES (publication->>'commandId', 0, '[]') ON CONFLICT (command_id) DO NOTHING;
      IF NOT FOUND THEN
        SELECT c.position, c.versions INTO command_position, command_versions
          FROM ${commands} c WHERE c.command_id = publication->>'commandId';
        outcomes[n] := json_build_object('kind', 'duplicate', 'position', command_position,
          'versions', command_versions::json);
        CONTINUE;
      END IF;
    END IF;
    BEGIN
      versions := '{}';
      p_entity := '{}'; p_name := '{}'; p_details := '{}'; p_actor := '{}'; p_timestamp := '{}';
      p_ordinal := '{}'; p_id := '{}'; p_schema := '{}'; p_metadata := '{}';
      FOR entity IN SELECT value FROM json_array_elements(publication->'entities') LOOP
        expected := entity->>'expectedVersion';
        event_count := json_array_length(entity->'events');
        IF expected = 'new' THEN
          INSERT INTO ${entities} (id, type, version)
            VALUES (entity->>'id', entity->>'type', event_count - 1) ON CONFLICT (id) DO NOTHING;
          first_ordinal := CASE WHEN FOUND THEN 0 ELSE NULL END;
        ELSIF expected = 'any' THEN
          INSERT INTO ${entities} AS e (id, type, version)
            VALUES (entity->>'id', entity->>'type', event_count - 1)
            ON CONFLICT (id) DO UPDATE SET version = e.version + event_count WHERE e.type = EXCLUDED.type
            RETURNING e.version - event_count + 1 INTO first_ordinal;
        ELSE
          UPDATE ${entities} SET version = version + event_count
            WHERE id = entity->>'id' AND version = expected::bigint AND type = entity->>'type';
          first_ordinal := CASE WHEN FOUND THEN expected::bigint + 1 ELSE NULL END;
        END IF;
        IF first_ordinal IS NULL THEN
          SELECT e.type, e.version INTO stored_type, stored_version FROM ${entities} e WHERE e.id = entity->>'id';
          IF FOUND AND stored_type <> entity->>'type' THEN
            failure := json_build_object('kind', 'type-mismatch', 'entityId', entity->>'id',
              'expectedType', entity->>'type', 'actualType', stored_type);
          ELSE
            failure := json_build_object('kind', 'conflict', 'entityId', entity->>'id',
              'expectedVersion', entity->'expectedVersion',
              'actualVersion', CASE WHEN FOUND THEN stored_version ELSE NULL END);
          END IF;
          RAISE EXCEPTION 'factline: publication rejected' USING ERRCODE = 'FL409';
        END IF;
        versions := versions || json_build_object('id', entity->>'id', 'version', first_ordinal + event_count - 1);
        FOR event IN SELECT value FROM json_array_elements(entity->'events') LOOP
          p_entity := p_entity || (entity->>'id');
          p_name := p_name || (event->>'name');
          p_details := p_details || ((event->'details')::text);
          p_actor := p_actor || (event->>'actor');
          p_timestamp := p_timestamp || ((event->>'timestamp')::float8);
          p_ordinal := p_ordinal || first_ordinal;
          p_id := p_id || ((event->>'id')::uuid);
          p_schema := p_schema || ((event->>'schemaVersion')::int);
          p_metadata := p_metadata || (event->>'metadata');
          first_ordinal := first_ordinal + 1;
        END LOOP;
      END LOOP;
    EXCEPTION WHEN SQLSTATE 'FL409' THEN
      outcomes[n] := failure;
      IF publication->>'commandId' IS NOT NULL THEN
        DELETE FROM ${commands} WHERE command_id = publication->>'commandId';
      END IF;
      CONTINUE;
    END;
    succeeded := succeeded || n;
    command_ids := command_ids || (publication->>'commandId');
    publication_versions := publication_versions || array_to_json(versions);
    e_publication := e_publication || array_fill(cardinality(succeeded), ARRAY[cardinality(p_entity)]);
    e_entity := e_entity || p_entity; e_name := e_name || p_name; e_details := e_details || p_details;
    e_actor := e_actor || p_actor; e_timestamp := e_timestamp || p_timestamp;
    e_ordinal := e_ordinal || p_ordinal; e_id := e_id || p_id; e_schema := e_schema || p_schema;
    e_metadata := e_metadata || p_metadata;
  END LOOP;
  IF cardinality(succeeded) > 0 THEN
    -- The last step before inserting: the counter row stays locked until commit.
    UPDATE ${head} SET position = position + cardinality(succeeded) WHERE id = 1
      RETURNING position INTO last_position;
    base_position := last_position - cardinality(succeeded);${
      channel === undefined
        ? ''
        : `
    PERFORM pg_notify(${channel}, last_position::text);`
    }
    INSERT INTO ${events} (entity_id, name, details, actor, timestamp, ordinal, position, id, schema_version, metadata)
      SELECT u.entity_id, u.name, u.details, u.actor, u.timestamp, u.ordinal, base_position + u.publication,
             u.id, u.schema_version, u.metadata
      FROM unnest(e_entity, e_name, e_details, e_actor, e_timestamp, e_ordinal, e_publication, e_id, e_schema, e_metadata)
        WITH ORDINALITY AS u(entity_id, name, details, actor, timestamp, ordinal, publication, id, schema_version, metadata, n)
      ORDER BY u.n;
    FOR i IN 1 .. cardinality(succeeded) LOOP
      outcomes[succeeded[i]] := json_build_object('kind', 'published', 'position', base_position + i,
        'versions', publication_versions[i]);
      IF command_ids[i] IS NOT NULL THEN
        UPDATE ${commands} SET position = base_position + i, versions = publication_versions[i]::text
          WHERE command_id = command_ids[i];
      END IF;
    END LOOP;
  END IF;
  RETURN array_to_json(outcomes);
END
$fn$;`;
}
