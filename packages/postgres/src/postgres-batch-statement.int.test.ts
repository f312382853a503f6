import {
  defineEvents,
  EventStore,
  isFactlineError,
  toProtocolTimestamp,
  uuidV7,
} from '@factline/core';
import {
  dropSchema,
  postgresAvailable,
  postgresTestUrl,
  throwawaySchemaName,
} from '@factline/testing/postgres';
import pg from 'pg';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BatchStatementRow, batchParameters } from './postgres-batch-statement.js';
import { PostgresProvider } from './postgres-provider.js';
import { publicationParameters } from './postgres-publication-statement.js';
import { statementOutcome } from './postgres-statement-outcome.js';
import type { StatementWrite } from './postgres-statement-writes.js';
import { type PostgresStatements, postgresStatements } from './postgres-statements.js';

const postgresUrl = postgresTestUrl();

const available = await postgresAvailable();

const events = defineEvents({ Noted: v.object({ n: v.number() }) });

/** A write of `count` events, as core would hand it to the provider. */
function write(
  id: string,
  expectedVersion: number | 'new',
  count = 1,
  type = 'Thing',
): StatementWrite {
  const now = new Date();
  return {
    id,
    type,
    expectedVersion,
    events: Array.from({ length: count }, (_, n) => ({
      id: uuidV7(now.getTime()),
      name: 'Noted',
      schemaVersion: 1,
      details: JSON.stringify({ n }),
      actor: 'test',
      timestamp: toProtocolTimestamp(now),
      metadata: null,
    })),
  };
}

describe.runIf(available)('PostgreSQL compare-and-set statements', () => {
  const schema = throwawaySchemaName();
  let provider: PostgresProvider;
  let store: EventStore<typeof events>;
  let admin: pg.Client;
  let sql: PostgresStatements;

  beforeAll(async () => {
    provider = new PostgresProvider({ connectionString: postgresUrl, schema });
    store = new EventStore({ provider, events });
    await store.migrate();
    admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    sql = postgresStatements(schema, '');
  });

  afterAll(async () => {
    await store?.close();
    await admin?.end();
    await dropSchema(schema);
  });

  const table = (name: string) => `"${schema}"."${name}"`;

  /** Runs `body` on a connection of another writer, rolling back whatever it left open. */
  async function asAnotherWriter(body: (writer: pg.Client) => Promise<void>): Promise<void> {
    const writer = new pg.Client({ connectionString: postgresUrl });
    await writer.connect();
    try {
      await body(writer);
    } finally {
      await writer.query('ROLLBACK').catch(() => undefined);
      await writer.end();
    }
  }

  async function seed(id: string, count: number, type = 'Thing'): Promise<void> {
    await store.publish({
      actor: 'test',
      entities: [
        {
          id,
          type,
          expectedVersion: 'new',
          events: Array.from({ length: count }, (_, n) => ({ name: 'Noted', details: { n } })),
        },
      ],
    });
  }

  async function head(): Promise<number> {
    const result = await admin.query(`SELECT position FROM ${table('Head')}`);
    return Number(result.rows[0].position);
  }

  /** Each entity's stored version and events as [ordinal, position]; `null` for no row. */
  async function stored(ids: string[]) {
    const result = await admin.query(
      `SELECT wanted.id, e.version,
         (SELECT coalesce(json_agg(json_build_array(v.ordinal, v.position) ORDER BY v.ordinal), '[]')
          FROM ${table('Events')} v WHERE v.entity_id = wanted.id) AS events
       FROM unnest($1::text[]) AS wanted (id) LEFT JOIN ${table('Entities')} e ON e.id = wanted.id`,
      [ids],
    );
    return Object.fromEntries(
      result.rows.map((row) => [
        row.id as string,
        row.version === null ? null : { version: Number(row.version), events: row.events },
      ]),
    );
  }

  it('decides each publication of a mixed batch on its own: writes the winners at contiguous positions, nothing of the rest', async () => {
    await seed('mix-existing', 1);
    await seed('mix-stale', 2);
    await seed('mix-taken', 1);
    await seed('mix-typed', 1, 'Order');
    const before = await head();
    const writes = [
      write('mix-existing', 0, 2),
      write('mix-stale', 0),
      write('mix-fresh', 'new'),
      write('mix-taken', 'new'),
      write('mix-typed', 0),
      write('mix-missing', 0),
      write('mix-fresh-2', 'new', 3),
    ];
    const ids = writes.map((item) => item.id);
    const untouched = await stored(ids);

    const result = await admin.query<BatchStatementRow>({
      text: sql.publishBatch,
      values: batchParameters(writes),
    });
    const outcomes = writes.map((item, index) => {
      const row = result.rows[index] as BatchStatementRow;
      const entity =
        row.storedType === null
          ? undefined
          : { type: row.storedType, version: row.storedVersion ?? 0 };
      return statementOutcome(item, row.position, entity);
    });

    expect(outcomes).toEqual([
      { kind: 'published', position: before + 1, versions: [{ id: 'mix-existing', version: 2 }] },
      { kind: 'conflict', entityId: 'mix-stale', expectedVersion: 0, actualVersion: 1 },
      { kind: 'published', position: before + 2, versions: [{ id: 'mix-fresh', version: 0 }] },
      { kind: 'conflict', entityId: 'mix-taken', expectedVersion: 'new', actualVersion: 0 },
      { kind: 'type-mismatch', entityId: 'mix-typed', expectedType: 'Thing', actualType: 'Order' },
      { kind: 'conflict', entityId: 'mix-missing', expectedVersion: 0, actualVersion: null },
      { kind: 'published', position: before + 3, versions: [{ id: 'mix-fresh-2', version: 2 }] },
    ]);
    expect(await head()).toBe(before + 3);
    const after = await stored(ids);
    expect(after['mix-existing']).toEqual({
      version: 2,
      events: [
        [0, untouched['mix-existing']?.events[0][1]],
        [1, before + 1],
        [2, before + 1],
      ],
    });
    expect(after['mix-fresh']).toEqual({ version: 0, events: [[0, before + 2]] });
    expect(after['mix-fresh-2']).toEqual({
      version: 2,
      events: [
        [0, before + 3],
        [1, before + 3],
        [2, before + 3],
      ],
    });
    for (const id of ['mix-stale', 'mix-taken', 'mix-typed', 'mix-missing']) {
      expect(after[id], id).toEqual(untouched[id]);
    }
  });

  it('writes a single publication with its own statement, and nothing when it fails', async () => {
    await seed('one-existing', 1);
    const before = await head();
    const published = await admin.query({
      text: sql.publishExisting,
      values: publicationParameters(write('one-existing', 0, 2)),
    });
    expect(published.rows).toEqual([{ position: String(before + 1) }]);
    const created = await admin.query({
      text: sql.publishNew,
      values: publicationParameters(write('one-new', 'new')),
    });
    expect(created.rows).toEqual([{ position: String(before + 2) }]);

    const untouched = await stored(['one-existing', 'one-new']);
    const stale = await admin.query({
      text: sql.publishExisting,
      values: publicationParameters(write('one-existing', 0)),
    });
    const taken = await admin.query({
      text: sql.publishNew,
      values: publicationParameters(write('one-new', 'new')),
    });
    expect([stale.rows, taken.rows]).toEqual([[], []]);
    expect(await stored(['one-existing', 'one-new'])).toEqual(untouched);
    expect(await head()).toBe(before + 2);
  });

  it('applies two publications of one entity in one batch in order: the second sees the first', async () => {
    await seed('twice', 1);
    const publish = (expectedVersion: number, n: number) =>
      store.publish({
        actor: 'test',
        entities: [
          {
            id: 'twice',
            type: 'Thing',
            expectedVersion,
            events: [{ name: 'Noted', details: { n } }],
          },
        ],
      });
    // Published in one tick, they share a batch.
    const chained = await Promise.all([publish(0, 1), publish(1, 2)]);
    expect(chained.map((result) => result.versions)).toEqual([
      [{ id: 'twice', version: 1 }],
      [{ id: 'twice', version: 2 }],
    ]);
    expect(chained[1]?.position).toBe((chained[0]?.position ?? 0) + 1);

    const raced = await Promise.allSettled([publish(2, 3), publish(2, 4)]);
    expect(raced[0]?.status).toBe('fulfilled');
    const loser = (raced[1] as PromiseRejectedResult).reason;
    expect(isFactlineError(loser, 'CONCURRENCY')).toBe(true);
    expect(loser).toMatchObject({ entityId: 'twice', expectedVersion: 2, actualVersion: 3 });
    const history = await store.readEntity('twice');
    expect(history.map((event) => [event.ordinal, event.details])).toEqual([
      [0, { n: 0 }],
      [1, { n: 1 }],
      [2, { n: 2 }],
      [3, { n: 3 }],
    ]);
  });

  it('records the command ids of the publications it writes, and writes nothing of a repeat', async () => {
    const first = await store.publish({
      actor: 'test',
      commandId: 'batch-command-done',
      entities: [
        {
          id: 'cmd-done',
          type: 'Thing',
          expectedVersion: 'new',
          events: [{ name: 'Noted', details: { n: 1 } }],
        },
      ],
    });
    const before = await head();
    const writes = [
      write('cmd-new', 'new', 2),
      write('cmd-repeat', 'new'),
      write('cmd-plain', 'new'),
    ];
    const commandIds = ['batch-command-new', 'batch-command-done', null];

    const result = await admin.query<BatchStatementRow>({
      text: sql.publishBatch,
      values: batchParameters(writes, commandIds),
    });

    expect(result.rows.map((row) => [row.position, row.commandPosition])).toEqual([
      [String(before + 1), null],
      [null, String(first.position)],
      [String(before + 2), null],
    ]);
    expect(JSON.parse(result.rows[1]?.commandVersions ?? 'null')).toEqual(first.versions);
    expect(await head()).toBe(before + 2);
    expect(await stored(['cmd-new', 'cmd-repeat', 'cmd-plain'])).toEqual({
      'cmd-new': {
        version: 1,
        events: [
          [0, before + 1],
          [1, before + 1],
        ],
      },
      'cmd-repeat': null,
      'cmd-plain': { version: 0, events: [[0, before + 2]] },
    });
    const recorded = await admin.query(
      `SELECT position, versions FROM ${table('Commands')} WHERE command_id = 'batch-command-new'`,
    );
    expect(recorded.rows.map((row) => [Number(row.position), JSON.parse(row.versions)])).toEqual([
      [before + 1, [{ id: 'cmd-new', version: 1 }]],
    ]);
    // The function, which every other path uses, sees the id the statement recorded.
    const repeat = await store.publish({
      actor: 'test',
      commandId: 'batch-command-new',
      entities: [
        {
          id: 'cmd-new',
          type: 'Thing',
          expectedVersion: 1,
          events: [{ name: 'Noted', details: { n: 2 } }],
        },
        {
          id: 'cmd-elsewhere',
          type: 'Thing',
          expectedVersion: 'new',
          events: [{ name: 'Noted', details: { n: 3 } }],
        },
      ],
    });
    expect(repeat).toEqual({
      position: before + 1,
      versions: [{ id: 'cmd-new', version: 1 }],
      duplicate: true,
    });
  });

  it('writes nothing when another writer records the same command id during the statement, and the function reports the repeat', async () => {
    const before = await head();
    await asAnotherWriter(async (writer) => {
      // Another writer's publication of the same command, holding the Head row as publications do.
      await writer.query('BEGIN');
      await writer.query(
        `INSERT INTO ${table('Commands')} (command_id, position, versions)
         VALUES ('batch-command-raced', $1, '[{"id":"raced-elsewhere","version":0}]')`,
        [before + 1],
      );
      await writer.query(`UPDATE ${table('Head')} SET position = position + 1 WHERE id = 1`);
      // Its snapshot does not show the id; it waits for the Head row, then meets the id at commit.
      const publishing = store.publish({
        actor: 'test',
        commandId: 'batch-command-raced',
        entities: [
          {
            id: 'raced-here',
            type: 'Thing',
            expectedVersion: 'new',
            events: [{ name: 'Noted', details: { n: 1 } }],
          },
        ],
      });
      await waitForLockWaiter(admin, schema);
      await writer.query('COMMIT');

      expect(await publishing).toEqual({
        position: before + 1,
        versions: [{ id: 'raced-elsewhere', version: 0 }],
        duplicate: true,
      });
      expect(await stored(['raced-here'])).toEqual({ 'raced-here': null });
      expect(await head()).toBe(before + 1);
    });
  });

  it('lets the function decide publications that lost to a writer committing during the statement', async () => {
    await seed('late-existing', 1);
    const before = await head();
    await asAnotherWriter(async (writer) => {
      // Another writer's compare-and-sets, held open while the batch starts.
      await writer.query('BEGIN');
      await writer.query(
        `UPDATE ${table('Entities')} SET version = version + 1 WHERE id = 'late-existing'`,
      );
      await writer.query(
        `INSERT INTO ${table('Entities')} (id, type, version) VALUES ('late-new', 'Thing', 0)`,
      );
      const publish = (id: string, expectedVersion: number | 'new') =>
        store.publish({
          actor: 'test',
          entities: [
            { id, type: 'Thing', expectedVersion, events: [{ name: 'Noted', details: { n: 9 } }] },
          ],
        });
      // One batch: its snapshot shows neither change, then it waits for the writer's locks.
      const settled = Promise.allSettled([
        publish('late-existing', 0),
        publish('late-new', 'new'),
        publish('late-other', 'new'),
      ]);
      await waitForLockWaiter(admin, schema);
      await writer.query('COMMIT');
      const [existing, created, other] = await settled;

      expect((existing as PromiseRejectedResult).reason).toMatchObject({
        code: 'CONCURRENCY',
        entityId: 'late-existing',
        expectedVersion: 0,
        actualVersion: 1,
      });
      expect((created as PromiseRejectedResult).reason).toMatchObject({
        code: 'CONCURRENCY',
        entityId: 'late-new',
        expectedVersion: 'new',
        actualVersion: 0,
      });
      expect(other).toMatchObject({ status: 'fulfilled', value: { position: before + 1 } });
      expect(await stored(['late-existing', 'late-new'])).toEqual({
        'late-existing': { version: 1, events: [[0, before]] },
        'late-new': { version: 0, events: [] },
      });
      expect(await head()).toBe(before + 1);
    });
  });

  it('keeps positions contiguous and in commit order when batches from three providers race, with conflicts', async () => {
    // 3 providers × 8 concurrent loops × 60 publications: batches of up to 8 race for Head.
    const stores = [
      store,
      ...[1, 2].map(
        () =>
          new EventStore({
            provider: new PostgresProvider({ connectionString: postgresUrl, schema }),
            events,
          }),
      ),
    ];
    const poller = new pg.Client({ connectionString: postgresUrl });
    await poller.connect();
    const start = await head();
    const problems: string[] = [];
    let checkpoint = start;
    let writing = true;
    // A reader of position > checkpoint must never see a position before the ones below it commit.
    const polling = (async () => {
      for (;;) {
        const finished = !writing;
        const result = await poller.query(
          `SELECT DISTINCT position FROM ${table('Events')} WHERE position > $1 ORDER BY position`,
          [checkpoint],
        );
        for (const row of result.rows) {
          const position = Number(row.position);
          if (position !== checkpoint + 1) problems.push(`after ${checkpoint} came ${position}`);
          checkpoint = position;
        }
        if (finished) return;
      }
    })();
    let published = 0;
    let conflicts = 0;
    try {
      await Promise.all(
        stores.flatMap((each, storeIndex) =>
          Array.from({ length: 8 }, async (_, loop) => {
            for (let round = 0; round < 60; round++) {
              // Every fifth publication goes to an entity the other providers' loops write too.
              const id =
                round % 5 === 0 ? `race-shared-${loop}` : `race-${storeIndex}-${loop}-${round % 4}`;
              const entity = await each.getEntity(id);
              try {
                await each.publish({
                  actor: 'test',
                  entities: [
                    {
                      id,
                      type: 'Thing',
                      expectedVersion: entity?.version ?? 'new',
                      events: Array.from({ length: 1 + (round % 3) }, () => ({
                        name: 'Noted' as const,
                        details: { n: round },
                      })),
                    },
                  ],
                });
                published++;
              } catch (error) {
                if (!isFactlineError(error, 'CONCURRENCY')) throw error;
                conflicts++;
              }
            }
          }),
        ),
      );
    } finally {
      writing = false;
      await polling;
      await poller.end();
      for (const other of stores.slice(1)) await other.close();
    }
    expect(problems).toEqual([]);
    expect(published + conflicts).toBe(3 * 8 * 60);
    expect(await head()).toBe(start + published);
    expect(checkpoint).toBe(start + published);
    const mismatched = await admin.query(
      `SELECT count(*)::int AS count FROM ${table('Entities')} e
       WHERE e.version <> (SELECT max(ordinal) FROM ${table('Events')} v WHERE v.entity_id = e.id)
         AND e.id LIKE 'race-%'`,
    );
    expect(mismatched.rows[0].count).toBe(0);
  });
});

async function waitForLockWaiter(client: pg.Client, schema: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const result = await client.query(
      `SELECT count(*)::int AS waiting FROM pg_stat_activity
       WHERE wait_event_type = 'Lock' AND query LIKE $1`,
      [`%${schema}%`],
    );
    if (result.rows[0].waiting >= 1) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('expected the batch to wait for a lock');
}
