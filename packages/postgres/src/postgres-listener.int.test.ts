import { defineEvents, EventStore } from '@factline/core';
import {
  dropSchema,
  postgresAvailable,
  postgresTestUrl,
  throwawaySchemaName,
} from '@factline/testing/postgres';
import pg from 'pg';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PostgresTransaction } from './postgres-pool.js';
import { PostgresProvider } from './postgres-provider.js';
import { notificationChannel } from './postgres-statements.js';

const postgresUrl = postgresTestUrl();

const available = await postgresAvailable();

const events = defineEvents({ Noted: v.object({ n: v.number() }) });

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

/** Counts a watcher's calls. */
function counter() {
  const calls = { count: 0 };
  return { calls, listener: () => void calls.count++ };
}

async function until(condition: () => boolean | Promise<boolean>, timeout = 5000): Promise<void> {
  const started = Date.now();
  while (!(await condition())) {
    if (Date.now() - started > timeout) throw new Error('Timed out');
    await sleep(10);
  }
}

describe.runIf(available)('PostgresProvider.watch on a real server', () => {
  const schema = throwawaySchemaName();
  let writer: PostgresProvider;
  let store: EventStore<typeof events>;
  let admin: pg.Client;

  beforeAll(async () => {
    writer = new PostgresProvider({ connectionString: postgresUrl, schema });
    store = new EventStore({ provider: writer, events });
    await store.migrate();
    admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
  });

  afterAll(async () => {
    await store?.close();
    await admin?.end();
    await dropSchema(schema);
  });

  let next = 0;
  const note = (expectedVersion: 'new' | 'any' = 'new', commandId?: string) =>
    store.publish({
      actor: 'test',
      ...(commandId === undefined ? {} : { commandId }),
      entities: [
        {
          id: `note-${next++}`,
          type: 'Note',
          expectedVersion,
          events: [{ name: 'Noted', details: { n: next } }],
        },
      ],
    });

  /** The backends listening on the store's channel. */
  async function listeners(): Promise<number[]> {
    const result = await admin.query(
      'SELECT pid FROM pg_stat_activity WHERE query = $1 AND pid <> pg_backend_pid()',
      [`LISTEN "${notificationChannel(schema, '')}"`],
    );
    return result.rows.map((row) => row.pid as number);
  }

  it('wakes a watcher on another provider for every kind of publication, and not for one that wrote nothing', async () => {
    const watcher = new PostgresProvider({ connectionString: postgresUrl, schema });
    const inlineStore = new EventStore({
      provider: writer,
      events,
      inline: [{ name: 'nothing', handlers: { Noted: () => undefined } }],
    });
    const { calls, listener } = counter();
    const stop = await watcher.watch(listener);
    try {
      const publications: [string, () => Promise<unknown>][] = [
        ['one publication (its own statement)', () => note()],
        ['a batch (the set-based statement)', () => Promise.all([note(), note(), note()])],
        ['a command id (the publish function)', () => note('new', `command-${next}`)],
        ['inline work (its own transaction)', () => inlineStore.publish(publicationOf('any'))],
      ];
      for (const [kind, publish] of publications) {
        const before = calls.count;
        await publish();
        await until(() => calls.count > before).catch(() => {
          throw new Error(`No notification for ${kind}`);
        });
      }

      await sleep(100);
      const before = calls.count;
      await expect(store.publish(publicationOf('new', 'note-0'))).rejects.toMatchObject({
        code: 'CONCURRENCY',
      });
      await sleep(300);
      expect(calls.count).toBe(before);
    } finally {
      await stop();
      await watcher.close();
    }
  });

  it('shares one connection of its own among watchers, and closes it after the last stops', async () => {
    const watcher = new PostgresProvider({ connectionString: postgresUrl, schema });
    try {
      const first = counter();
      const second = counter();
      const stopFirst = await watcher.watch(first.listener);
      const stopSecond = await watcher.watch(second.listener);
      expect(await listeners()).toHaveLength(1);
      await note();
      await until(() => first.calls.count > 0 && second.calls.count > 0);

      await stopFirst();
      await stopFirst();
      expect(await listeners()).toHaveLength(1);
      await stopSecond();
      await until(async () => (await listeners()).length === 0);
      const { count } = second.calls;
      await note();
      await sleep(200);
      expect(second.calls.count).toBe(count);
    } finally {
      await watcher.close();
    }
  });

  it("holds one client of a user's pool while watching, and gives it back unlistened", async () => {
    const pool = new pg.Pool({ connectionString: postgresUrl, max: 2 });
    const watcher = new PostgresProvider({ pool, schema });
    try {
      const { calls, listener } = counter();
      const stop = await watcher.watch(listener);
      expect(pool.totalCount - pool.idleCount).toBe(1);
      await note();
      await until(() => calls.count > 0);

      await stop();
      expect(pool.totalCount - pool.idleCount).toBe(0);
      expect(await listeners()).toEqual([]);
      // The pool still works, and its clients hear nothing more.
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await watcher.close();
      await pool.end();
    }
  });

  it('reconnects after losing its connection, and calls its watchers once it listens again', async () => {
    const watcher = new PostgresProvider({ connectionString: postgresUrl, schema });
    const { calls, listener } = counter();
    const stop = await watcher.watch(listener);
    try {
      const [pid] = await listeners();
      expect(pid).toBeDefined();
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);

      // Called once it listens again: it cannot know what it missed.
      await until(() => calls.count === 1);
      const [reconnected] = await listeners();
      expect(reconnected).toBeDefined();
      expect(reconnected).not.toBe(pid);
      await note();
      await until(() => calls.count === 2);
    } finally {
      await stop();
      await watcher.close();
    }
    expect(await listeners()).toEqual([]);
  });

  it('stops listening on close, whoever still watches', async () => {
    const watcher = new PostgresProvider({ connectionString: postgresUrl, schema });
    const stop = await watcher.watch(() => undefined);
    expect(await listeners()).toHaveLength(1);
    await watcher.close();
    await until(async () => (await listeners()).length === 0);
    await stop();
  });

  it('runs inline work in the publication, and commits publications with and without work in position order', async () => {
    const table = `"${schema}".inline_positions`;
    await admin.query(`CREATE TABLE ${table} (position BIGINT NOT NULL, note INT NOT NULL)`);
    const inlineStore = new EventStore({
      provider: writer,
      events,
      inline: [
        {
          name: 'positions',
          handlers: {
            Noted: async (event, tx: PostgresTransaction) => {
              await sleep(1);
              await tx.query(`INSERT INTO ${table} (position, note) VALUES ($1, $2)`, [
                event.position,
                event.details.n,
              ]);
            },
          },
        },
      ],
    });
    const before = await store.head();
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        (index % 2 === 0 ? inlineStore : store).publish(publicationOf('new')),
      ),
    );

    const positions = results.map((result) => result.position).sort((a, b) => a - b);
    expect(positions).toEqual(Array.from({ length: 30 }, (_, index) => before + index + 1));
    const projected = await admin.query(`SELECT position FROM ${table} ORDER BY position`);
    const inlinePositions = results
      .filter((_, index) => index % 2 === 0)
      .map((result) => result.position)
      .sort((a, b) => a - b);
    expect(projected.rows.map((row) => Number(row.position))).toEqual(inlinePositions);
  });

  function publicationOf(expectedVersion: 'new' | 'any', id = `note-${next++}`) {
    return {
      actor: 'test',
      entities: [
        {
          id,
          type: 'Note',
          expectedVersion,
          events: [{ name: 'Noted' as const, details: { n: next } }],
        },
      ],
    };
  }
});
