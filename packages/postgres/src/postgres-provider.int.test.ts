import { defineEvents, EventStore, isFactlineError } from '@factline/core';
import { describeProviderConformance } from '@factline/testing';
import {
  dropSchema,
  postgresAvailable,
  postgresTestUrl,
  throwawaySchemaName,
} from '@factline/testing/postgres';
import pg from 'pg';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPostgresHarness } from './postgres-conformance-harness.js';
import { PostgresProvider } from './postgres-provider.js';
import { postgresStatements } from './postgres-statements.js';

const postgresUrl = postgresTestUrl();

const available = await postgresAvailable();

const events = defineEvents({
  Opened: v.object({ name: v.string() }),
  Moved: v.object({ by: v.number() }),
});

describe.runIf(available)('PostgresProvider conformance', () => {
  describeProviderConformance('postgres', createPostgresHarness);
});

describe.runIf(available)('PostgresProvider on a real server', () => {
  const schema = throwawaySchemaName();
  let provider: PostgresProvider;
  let store: EventStore<typeof events>;
  let admin: pg.Client;

  beforeAll(async () => {
    provider = new PostgresProvider({ connectionString: postgresUrl, schema });
    store = new EventStore({ provider, events });
    admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await Promise.all([store.migrate(), store.migrate(), store.migrate()]);
  });

  afterAll(async () => {
    await store?.close();
    await admin?.end();
    await dropSchema(schema);
  });

  it('records each migration once, however many processes migrate at once', async () => {
    const rows = await admin.query(`SELECT version FROM "${schema}"."Migrations" ORDER BY version`);
    expect(rows.rows.map((row) => row.version)).toEqual([1, 2, 3]);
  });

  it("keeps a Projections row of migration 1 through migration 3, as projector ''", async () => {
    const old = throwawaySchemaName();
    const prefix = 'old_';
    const sql = postgresStatements(old, prefix);
    try {
      await admin.query(sql.createSchema);
      await admin.query(sql.migrationsTable);
      for (const migration of sql.migrations.filter(({ version }) => version < 3)) {
        await admin.query(migration.sql);
        await admin.query(sql.recordMigration, [migration.version, migration.description, 0]);
      }
      await admin.query(
        `INSERT INTO "${old}"."old_Projections" (source, position) VALUES ('legacy', 5), ('unset', NULL)`,
      );
      const upgraded = new PostgresProvider({
        connectionString: postgresUrl,
        schema: old,
        tablePrefix: prefix,
      });
      try {
        await upgraded.migrate();
        expect(await upgraded.readCheckpoint({ projector: '', source: 'legacy' })).toEqual({
          position: 5,
          eventId: null,
        });
        expect(await upgraded.readCheckpoint({ projector: '', source: 'unset' })).toEqual({
          position: 0,
          eventId: null,
        });
        // The key is (projector, source) now: another projector of the same source has its own row.
        const next = { position: 1, eventId: 'e1' };
        expect(
          await upgraded.commitCheckpoint({
            projector: 'new',
            source: 'legacy',
            expected: undefined,
            next,
          }),
        ).toBe(true);
        expect(
          await upgraded.commitCheckpoint({
            projector: '',
            source: 'unset',
            expected: { position: 0, eventId: null },
            next,
          }),
        ).toBe(true);
        expect(await upgraded.readCheckpoint({ projector: 'new', source: 'legacy' })).toEqual(next);
        expect(await upgraded.readCheckpoint({ projector: '', source: 'unset' })).toEqual(next);
      } finally {
        await upgraded.close();
      }
    } finally {
      await dropSchema(old);
    }
  });

  it('works for a least-privilege role that may only insert and select events', async () => {
    const role = `${schema}_app`;
    await admin.query(`CREATE ROLE "${role}" LOGIN`);
    const grants = [
      `GRANT USAGE ON SCHEMA "${schema}" TO "${role}"`,
      `GRANT SELECT, INSERT ON "${schema}"."Events" TO "${role}"`,
      `GRANT SELECT, INSERT, UPDATE ON "${schema}"."Entities", "${schema}"."Head", "${schema}"."Commands", "${schema}"."Snapshots" TO "${role}"`,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON "${schema}"."Projections", "${schema}"."ProjectorLeases" TO "${role}"`,
      `GRANT SELECT ON "${schema}"."Migrations" TO "${role}"`,
      `GRANT EXECUTE ON FUNCTION "${schema}"."publish"(json) TO "${role}"`,
    ];
    for (const grant of grants) await admin.query(grant);
    const url = new URL(postgresUrl);
    url.username = role;
    const appProvider = new PostgresProvider({ connectionString: url.toString(), schema });
    const appStore = new EventStore({ provider: appProvider, events });
    const app = new pg.Client({ connectionString: url.toString() });
    await app.connect();
    try {
      const result = await appStore.publish({
        actor: 'test',
        entities: [
          {
            id: 'least-1',
            type: 'Thing',
            expectedVersion: 'new',
            events: [{ name: 'Opened', details: { name: 'l' } }],
          },
        ],
      });
      expect(await appStore.readEntity('least-1')).toHaveLength(1);
      expect(result.duplicate).toBe(false);
      const snapshot = { entityId: 'least-1', type: 'Thing', version: 0, schemaVersion: 1 };
      await appStore.writeSnapshot({ ...snapshot, state: { name: 'l' } });
      await appStore.writeSnapshot({ ...snapshot, version: 1, state: { name: 'newer' } });
      expect(await appStore.readSnapshot('least-1')).toMatchObject({
        version: 1,
        state: { name: 'newer' },
      });
      // Projectors: checkpoints, leases, and the wake-up.
      const key = { projector: 'least', source: 'default' };
      const stopWatching = await appProvider.watch(() => undefined);
      expect(await appProvider.acquireLease({ projector: 'least', owner: 'me', ttl: 1000 })).toBe(
        true,
      );
      expect(
        await appProvider.commitCheckpoint({
          ...key,
          expected: undefined,
          next: { position: 1, eventId: null },
        }),
      ).toBe(true);
      expect(
        await appProvider.commitCheckpoint({
          ...key,
          expected: { position: 1, eventId: null },
          next: { position: 2, eventId: null },
        }),
      ).toBe(true);
      await appProvider.resetCheckpoint(key);
      await appProvider.releaseLease('least', 'me');
      await stopWatching();
      await expect(app.query(`UPDATE "${schema}"."Events" SET actor = 'x'`)).rejects.toThrow(
        /permission denied/,
      );
      await expect(app.query(`DELETE FROM "${schema}"."Events"`)).rejects.toThrow(
        /permission denied/,
      );
    } finally {
      await app.end();
      await appStore.close();
      await admin.query(`DROP OWNED BY "${role}"`);
      await admin.query(`DROP ROLE "${role}"`);
    }
  });

  it('keeps separate stores apart by schema and by table prefix', async () => {
    const other = new PostgresProvider({
      connectionString: postgresUrl,
      schema,
      tablePrefix: 'other_',
    });
    const otherStore = new EventStore({ provider: other, events });
    try {
      await otherStore.migrate();
      await otherStore.publish({
        actor: 'test',
        entities: [
          {
            id: 'prefixed-1',
            type: 'Thing',
            expectedVersion: 'new',
            events: [{ name: 'Opened', details: { name: 'a' } }],
          },
        ],
      });
      expect(await otherStore.getEntity('prefixed-1')).toEqual({
        id: 'prefixed-1',
        type: 'Thing',
        version: 0,
      });
      expect(await store.getEntity('prefixed-1')).toBeUndefined();
    } finally {
      await otherStore.close();
    }
  });

  it('group-commits concurrent publications: one position each, contiguous, in one round trip', async () => {
    const before = await store.head();
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, index) =>
        store.publish({
          actor: 'test',
          entities: [
            {
              id: `group-${index}`,
              type: 'Thing',
              expectedVersion: 'new',
              events: [{ name: 'Opened', details: { name: String(index) } }],
            },
          ],
        }),
      ),
    );
    const positions = results.map((result) => result.position).sort((a, b) => a - b);
    expect(positions).toEqual(Array.from({ length: 40 }, (_, index) => before + index + 1));
  });

  it('rejects only the conflicting publication of a batch', async () => {
    await store.publish({
      actor: 'test',
      entities: [
        {
          id: 'batch-a',
          type: 'Thing',
          expectedVersion: 'new',
          events: [{ name: 'Opened', details: { name: 'a' } }],
        },
      ],
    });
    const outcomes = await Promise.allSettled([
      store.publish({
        actor: 'test',
        entities: [
          {
            id: 'batch-a',
            type: 'Thing',
            expectedVersion: 0,
            events: [{ name: 'Moved', details: { by: 1 } }],
          },
        ],
      }),
      store.publish({
        actor: 'test',
        entities: [
          {
            id: 'batch-a',
            type: 'Thing',
            expectedVersion: 0,
            events: [{ name: 'Moved', details: { by: 2 } }],
          },
        ],
      }),
      store.publish({
        actor: 'test',
        entities: [
          {
            id: 'batch-b',
            type: 'Thing',
            expectedVersion: 'new',
            events: [{ name: 'Opened', details: { name: 'b' } }],
          },
        ],
      }),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'fulfilled',
      'rejected',
      'fulfilled',
    ]);
    const rejected = outcomes[1] as PromiseRejectedResult;
    expect(isFactlineError(rejected.reason, 'CONCURRENCY')).toBe(true);
    expect((await store.readEntity('batch-a')).map((event) => event.ordinal)).toEqual([0, 1]);
  });

  it('stores details as the exact text core serialised', async () => {
    await store.publish({
      actor: 'test',
      entities: [
        {
          id: 'exact-1',
          type: 'Thing',
          expectedVersion: 'new',
          events: [{ name: 'Opened', details: { name: 'z' } }],
        },
      ],
    });
    const row = await admin.query(
      `SELECT details FROM "${schema}"."Events" WHERE entity_id = 'exact-1'`,
    );
    expect(row.rows[0].details).toBe('{"name":"z"}');
  });

  it('fails with a typed error and writes nothing when the connection is killed mid-publication', async () => {
    const before = await store.head();
    const blocker = new pg.Client({ connectionString: postgresUrl });
    await blocker.connect();
    try {
      // Hold the position counter so the publication stops inside its transaction.
      await blocker.query('BEGIN');
      await blocker.query(`SELECT position FROM "${schema}"."Head" FOR UPDATE`);
      const publishing = store.publish({
        actor: 'test',
        entities: [
          {
            id: 'killed-1',
            type: 'Thing',
            expectedVersion: 'new',
            events: [{ name: 'Opened', details: { name: 'k' } }],
          },
        ],
      });
      const failure = publishing.catch((error: unknown) => error);
      let pid: number | undefined;
      for (let attempt = 0; attempt < 100 && pid === undefined; attempt++) {
        const waiting = await admin.query(
          `SELECT pid FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%publish%' AND pid <> pg_backend_pid()`,
        );
        pid = waiting.rows[0]?.pid;
        if (pid === undefined) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(pid).toBeDefined();
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
      const error = await failure;
      expect(isFactlineError(error, 'PROVIDER')).toBe(true);
      await blocker.query('ROLLBACK');
    } finally {
      await blocker.end();
    }
    expect(await store.getEntity('killed-1')).toBeUndefined();
    expect(await store.head()).toBe(before);
    // The pool replaced the dead connection: the store still works.
    const after = await store.publish({
      actor: 'test',
      entities: [
        {
          id: 'killed-1',
          type: 'Thing',
          expectedVersion: 'new',
          events: [{ name: 'Opened', details: { name: 'k' } }],
        },
      ],
    });
    expect(after.position).toBe(before + 1);
  });

  it('retries a batch that deadlocked with another process, and both publications land', async () => {
    const second = new PostgresProvider({ connectionString: postgresUrl, schema });
    const secondStore = new EventStore({ provider: second, events });
    const blocker = new pg.Client({ connectionString: postgresUrl });
    await blocker.connect();
    const deadlocksBefore = await deadlockCount(admin);
    try {
      for (const id of ['dl-a', 'dl-c', 'dl-d']) {
        await store.publish({
          actor: 'test',
          entities: [
            {
              id,
              type: 'Thing',
              expectedVersion: 'new',
              events: [{ name: 'Opened', details: { name: id } }],
            },
          ],
        });
      }
      const touch = (ids: string[]) =>
        ids.map((id) => ({
          id,
          type: 'Thing',
          expectedVersion: 'any' as const,
          events: [{ name: 'Moved' as const, details: { by: 1 } }],
        }));
      // A cycle: A holds dl-a and waits for dl-d (held here); B holds dl-c and waits for dl-a.
      // Releasing dl-d lets A ask for dl-c: the server aborts one of them as a deadlock.
      await blocker.query('BEGIN');
      await blocker.query(`SELECT 1 FROM "${schema}"."Entities" WHERE id = 'dl-d' FOR UPDATE`);
      const first = store.publish({ actor: 'test', entities: touch(['dl-a', 'dl-d', 'dl-c']) });
      await waitForLockWaiters(admin, 1);
      const other = secondStore.publish({ actor: 'test', entities: touch(['dl-c', 'dl-a']) });
      await waitForLockWaiters(admin, 2);
      await blocker.query('ROLLBACK');
      const results = await Promise.all([first, other]);
      expect(results.map((result) => result.duplicate)).toEqual([false, false]);
      expect(await deadlockCount(admin)).toBeGreaterThan(deadlocksBefore);
      for (const id of ['dl-a', 'dl-c']) {
        expect((await store.readEntity(id)).map((event) => event.ordinal)).toEqual([0, 1, 2]);
      }
    } finally {
      await blocker.end();
      await secondStore.close();
    }
  });
});

async function deadlockCount(client: pg.Client): Promise<number> {
  const result = await client.query(
    'SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()',
  );
  return Number(result.rows[0].deadlocks);
}

async function waitForLockWaiters(client: pg.Client, count: number): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const result = await client.query(
      `SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%publish%'`,
    );
    if (result.rows[0].waiting >= count) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`expected ${count} publications waiting for a lock`);
}
