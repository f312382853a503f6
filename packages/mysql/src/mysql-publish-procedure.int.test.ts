import { randomUUID } from 'node:crypto';
import type {
  EntityWrite,
  ExpectedVersion,
  PublicationRecord,
  PublishOutcome,
} from '@factline/core';
import {
  dropDatabase,
  mysqlAvailable,
  mysqlTestUrl,
  throwawayDatabaseName,
} from '@factline/testing/mysql';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BatchCall, planBatchCalls } from './mysql-batch-calls.js';
import { readBatchOutcomes } from './mysql-batch-outcomes.js';
import { MysqlProvider } from './mysql-provider.js';

const mysqlUrl = mysqlTestUrl();

// Throws when FACTLINE_REQUIRE_SERVERS=1 and the server is unreachable: the file fails.
const available = await mysqlAvailable();

let eventNumber = 0;

/** An entity's write with `count` events, each with details naming it. */
function entity(
  id: string,
  expectedVersion: ExpectedVersion,
  count = 1,
  type = 'Thing',
): EntityWrite {
  return {
    id,
    type,
    expectedVersion,
    events: Array.from({ length: count }, () => ({
      id: randomUUID(),
      name: 'Happened',
      schemaVersion: 1,
      details: JSON.stringify({ n: eventNumber++ }),
      actor: 'test',
      timestamp: 20_000.5,
      metadata: null,
    })),
  };
}

function publication(entities: EntityWrite[], commandId: string | null = null): PublicationRecord {
  return { entities, commandId };
}

describe.runIf(available)('the publish procedure', () => {
  const database = throwawayDatabaseName();
  let admin: mysql.Connection;
  let connection: mysql.Connection;

  /** One CALL of the procedure with a whole batch, as the provider makes it. */
  const call = async (batch: PublicationRecord[]): Promise<PublishOutcome[]> => {
    const calls = planBatchCalls(batch, Number.POSITIVE_INFINITY);
    expect(calls).toHaveLength(1);
    const [only] = calls as [BatchCall];
    const [results] = await connection.execute(
      { sql: 'CALL publish_batch(?, ?, ?)', rowsAsArray: true },
      [only.entitiesJson, only.lockIdsJson, only.eventsJson],
    );
    return readBatchOutcomes(batch, (results as unknown[][][])[0]?.[0] as unknown[]);
  };
  const head = async () => {
    const [rows] = await admin.query<mysql.RowDataPacket[]>(
      `SELECT \`position\` FROM \`${database}\`.Head`,
    );
    return Number(rows[0]?.position);
  };
  /** `[ordinal, position, details]` of an entity's events. */
  const stored = async (id: string) => {
    const [rows] = await admin.execute<mysql.RowDataPacket[]>(
      `SELECT ordinal, \`position\`, details FROM \`${database}\`.Events WHERE entity_id = ? ORDER BY ordinal`,
      [id],
    );
    return rows.map((row) => [Number(row.ordinal), Number(row.position), String(row.details)]);
  };
  const version = async (id: string) => {
    const [rows] = await admin.execute<mysql.RowDataPacket[]>(
      `SELECT type, version FROM \`${database}\`.Entities WHERE id = ?`,
      [id],
    );
    return rows[0] === undefined ? undefined : [String(rows[0].type), Number(rows[0].version)];
  };
  const detailsOf = (write: EntityWrite) => write.events.map((event) => event.details);

  beforeAll(async () => {
    admin = await mysql.createConnection(mysqlUrl);
    // The database does not exist yet: three providers race to create it and its procedure.
    const migrating = [1, 2, 3].map(
      () => new MysqlProvider({ connectionString: mysqlUrl, database }),
    );
    await Promise.all(migrating.map((provider) => provider.migrate()));
    await Promise.all(migrating.map((provider) => provider.close()));
    const url = new URL(mysqlUrl);
    url.pathname = `/${database}`;
    connection = await mysql.createConnection(url.toString());
  });

  afterAll(async () => {
    await connection?.end();
    await admin?.end();
    await dropDatabase(database);
  });

  it('publishes, refuses and repeats the publications of one batch each on its own', async () => {
    const setup = [
      entity('mixed-a', 'new'),
      entity('mixed-typed', 'new', 1, 'Other'),
      entity('mixed-stored', 'new'),
    ];
    const [first] = await call([
      publication(setup.slice(0, 2)),
      publication([setup[2] as EntityWrite], 'mixed-done'),
    ]);
    expect(first?.kind).toBe('published');
    const start = await head();
    const moved = entity('mixed-a', 0, 2);
    const created = entity('mixed-fresh', 'new');
    const afterMoved = entity('mixed-a', 2);
    const anyTyped = entity('mixed-typed', 'any', 2, 'Other');
    const commanded = entity('mixed-commanded', 'new', 3);
    const outcomes = await call([
      publication([moved]),
      publication([entity('mixed-a', 0)]),
      publication([created]),
      publication([entity('mixed-a', 'new')]),
      publication([entity('mixed-typed', 0)]),
      publication([entity('mixed-new-in-refused', 'new')], 'mixed-done'),
      publication([entity('mixed-b', 'new'), entity('mixed-a', 9)], 'mixed-refused'),
      publication([afterMoved]),
      publication([anyTyped]),
      publication([commanded], 'mixed-command'),
    ]);
    expect(outcomes).toEqual([
      {
        kind: 'published',
        position: start + 1,
        versions: [{ id: 'mixed-a', version: 2 }],
      },
      { kind: 'conflict', entityId: 'mixed-a', expectedVersion: 0, actualVersion: 2 },
      {
        kind: 'published',
        position: start + 2,
        versions: [{ id: 'mixed-fresh', version: 0 }],
      },
      // A new entity that exists: a conflict naming its version.
      { kind: 'conflict', entityId: 'mixed-a', expectedVersion: 'new', actualVersion: 2 },
      {
        kind: 'type-mismatch',
        entityId: 'mixed-typed',
        expectedType: 'Thing',
        actualType: 'Other',
      },
      {
        kind: 'duplicate',
        position: start,
        versions: [{ id: 'mixed-stored', version: 0 }],
      },
      // The first entity's compare-and-set took effect, then the second was refused: neither stays.
      { kind: 'conflict', entityId: 'mixed-a', expectedVersion: 9, actualVersion: 2 },
      {
        kind: 'published',
        position: start + 3,
        versions: [{ id: 'mixed-a', version: 3 }],
      },
      {
        kind: 'published',
        position: start + 4,
        versions: [{ id: 'mixed-typed', version: 2 }],
      },
      {
        kind: 'published',
        position: start + 5,
        versions: [{ id: 'mixed-commanded', version: 2 }],
      },
    ]);
    expect(await head()).toBe(start + 5);
    // The same entity three times in the batch: its publications in batch order, ordinals on.
    expect(await stored('mixed-a')).toEqual([
      [0, start - 1, detailsOf(setup[0] as EntityWrite)[0]],
      [1, start + 1, detailsOf(moved)[0]],
      [2, start + 1, detailsOf(moved)[1]],
      [3, start + 3, detailsOf(afterMoved)[0]],
    ]);
    expect(await version('mixed-a')).toEqual(['Thing', 3]);
    expect((await stored('mixed-typed')).map(([ordinal, position]) => [ordinal, position])).toEqual(
      [
        [0, start - 1],
        [1, start + 4],
        [2, start + 4],
      ],
    );
    expect(await stored('mixed-commanded')).toEqual(
      detailsOf(commanded).map((details, ordinal) => [ordinal, start + 5, details]),
    );
    // Nothing of the refused ones: no entity, no event, no command id.
    for (const id of ['mixed-b', 'mixed-new-in-refused']) {
      expect(await version(id)).toBeUndefined();
      expect(await stored(id)).toEqual([]);
    }
    const [commands] = await admin.query<mysql.RowDataPacket[]>(
      `SELECT command_id, \`position\`, versions FROM \`${database}\`.Commands ORDER BY command_id`,
    );
    expect(
      commands.map((row) => [row.command_id, Number(row.position), JSON.parse(row.versions)]),
    ).toEqual([
      ['mixed-command', start + 5, [{ id: 'mixed-commanded', version: 2 }]],
      ['mixed-done', start, [{ id: 'mixed-stored', version: 0 }]],
    ]);
  });

  it("takes an 'any' entity's ordinals from the server, creating it when it is missing", async () => {
    const start = await head();
    const created = entity('any-missing', 'any', 2);
    const appended = entity('any-missing', 'any');
    const outcomes = await call([publication([created]), publication([appended])]);
    expect(outcomes).toEqual([
      { kind: 'published', position: start + 1, versions: [{ id: 'any-missing', version: 1 }] },
      { kind: 'published', position: start + 2, versions: [{ id: 'any-missing', version: 2 }] },
    ]);
    expect(await stored('any-missing')).toEqual([
      [0, start + 1, detailsOf(created)[0]],
      [1, start + 1, detailsOf(created)[1]],
      [2, start + 2, detailsOf(appended)[0]],
    ]);
  });

  it('stores each event with its own actor and timestamp, where they differ within an entity', async () => {
    const write = entity('runs', 'new', 3);
    const events = write.events.map((event, index) => ({
      ...event,
      actor: ['first', 'second', 'second'][index] as string,
      timestamp: [1.5, 1.5, 2.25][index] as number,
    }));
    const [outcome] = await call([publication([{ ...write, events }])]);
    expect(outcome?.kind).toBe('published');
    const [rows] = await admin.execute<mysql.RowDataPacket[]>(
      `SELECT ordinal, actor, \`timestamp\`, id FROM \`${database}\`.Events WHERE entity_id = ? ORDER BY ordinal`,
      ['runs'],
    );
    expect(rows.map((row) => [Number(row.ordinal), row.actor, row.timestamp, row.id])).toEqual(
      events.map((event, ordinal) => [ordinal, event.actor, event.timestamp, event.id]),
    );
  });

  it('writes nothing, and takes no position, when every publication is refused', async () => {
    const start = await head();
    const outcomes = await call([
      publication([entity('none-a', 3)], 'none-command'),
      publication([entity('none-b', 'new'), entity('none-c', 0)]),
    ]);
    expect(outcomes.map((outcome) => outcome.kind)).toEqual(['conflict', 'conflict']);
    expect(await head()).toBe(start);
    expect(await version('none-b')).toBeUndefined();
    const [commands] = await admin.execute<mysql.RowDataPacket[]>(
      `SELECT COUNT(*) AS count FROM \`${database}\`.Commands WHERE command_id = ?`,
      ['none-command'],
    );
    expect(Number(commands[0]?.count)).toBe(0);
  });

  it('is created again by a migration that stopped between its statements', async () => {
    await admin.query(`DELETE FROM \`${database}\`.Migrations WHERE version >= 3`);
    const provider = new MysqlProvider({ connectionString: mysqlUrl, database });
    try {
      // The procedure still exists: the migration drops it and creates it again.
      await provider.migrate();
      await admin.query(`DELETE FROM \`${database}\`.Migrations WHERE version >= 3`);
      await admin.query(`DROP PROCEDURE \`${database}\`.publish_batch`);
      await provider.migrate();
      await provider.migrate();
    } finally {
      await provider.close();
    }
    const [versions] = await admin.query<mysql.RowDataPacket[]>(
      `SELECT version FROM \`${database}\`.Migrations ORDER BY version`,
    );
    expect(versions.map((row) => row.version)).toEqual([1, 2, 3, 4]);
    const [outcome] = await call([publication([entity('after-remigration', 'new')])]);
    expect(outcome?.kind).toBe('published');
  });

  it('lets a publication wait out a migration that replaces the procedure, and names it when none ran', async () => {
    const provider = new MysqlProvider({ connectionString: mysqlUrl, database, maxRetries: 8 });
    const migrating = new MysqlProvider({ connectionString: mysqlUrl, database });
    try {
      await provider.headPosition();
      await admin.query(`DELETE FROM \`${database}\`.Migrations WHERE version >= 3`);
      await admin.query(`DROP PROCEDURE \`${database}\`.publish_batch`);
      const publishing = provider.publish(publication([entity('during-migration', 'new')]));
      await new Promise((resolve) => setTimeout(resolve, 30));
      await migrating.migrate();
      expect(await publishing).toMatchObject({ kind: 'published' });
    } finally {
      await Promise.all([provider.close(), migrating.close()]);
    }
    const unmigrated = new MysqlProvider({
      connectionString: mysqlUrl,
      database,
      tablePrefix: 'unmigrated_',
      maxRetries: 1,
    });
    try {
      const error = await unmigrated
        .publish(publication([entity('nowhere', 'new')]))
        .catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'PROVIDER', cause: { errno: 1305 } });
      expect(String((error as Error).cause)).toContain('unmigrated_publish_batch');
    } finally {
      await unmigrated.close();
    }
  });
});
