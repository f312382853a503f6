import {
  defineEvents,
  EventStore,
  type InlineProjection,
  isFactlineError,
  type PublishResult,
} from '@factline/core';
import { describeProviderConformance } from '@factline/testing';
import {
  dropDatabase,
  mysqlAvailable,
  mysqlTestUrl,
  throwawayDatabaseName,
} from '@factline/testing/mysql';
import mysql from 'mysql2/promise';
import * as v from 'valibot';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMysqlHarness } from './mysql-conformance-harness.js';
import type {
  MysqlPool,
  MysqlPoolConnection,
  MysqlQueryOptions,
  MysqlTransaction,
  MysqlValue,
} from './mysql-pool.js';
import { MysqlProvider } from './mysql-provider.js';
import { exactCollations } from './mysql-statements.js';

const mysqlUrl = mysqlTestUrl();

// Throws when FACTLINE_REQUIRE_SERVERS=1 and the server is unreachable: the file fails.
const available = await mysqlAvailable();

const events = defineEvents({
  Opened: v.object({ name: v.string() }),
  Moved: v.object({ by: v.number() }),
  Noted: v.object({ text: v.string() }),
});
type Store = EventStore<typeof events>;

const opened = (id: string, expectedVersion: number | 'new' | 'any' = 'new', type = 'Thing') => ({
  id,
  type,
  expectedVersion,
  events: [{ name: 'Opened' as const, details: { name: id } }],
});
const moved = (id: string, expectedVersion: number | 'new' | 'any', type = 'Thing') => ({
  id,
  type,
  expectedVersion,
  events: [{ name: 'Moved' as const, details: { by: 1 } }],
});

describe.runIf(available)('MysqlProvider on a real server', () => {
  describeProviderConformance('mysql', createMysqlHarness);

  describe('beyond the conformance suite', () => {
    const database = throwawayDatabaseName();
    let provider: MysqlProvider;
    let store: Store;
    let admin: mysql.Connection;
    const opening: MysqlProvider[] = [];

    /** A store on a provider of its own (its own pool, as another process has), closed after the suite. */
    const otherStore = (config: Partial<ConstructorParameters<typeof MysqlProvider>[0]> = {}) => {
      const other = new MysqlProvider({ connectionString: mysqlUrl, database, ...config });
      opening.push(other);
      return new EventStore({ provider: other, events });
    };

    beforeAll(async () => {
      admin = await mysql.createConnection(mysqlUrl);
      provider = new MysqlProvider({ connectionString: mysqlUrl, database });
      store = new EventStore({ provider, events });
      // The database does not exist yet: the first migration creates it.
      await Promise.all([store.migrate(), otherStore().migrate(), otherStore().migrate()]);
    });

    afterAll(async () => {
      await Promise.allSettled(opening.map((other) => other.close()));
      await store?.close();
      await admin?.end();
      await dropDatabase(database);
    });

    it('works for a least-privilege user that may only insert and select events', async () => {
      const user = `${database}_app`.slice(0, 80);
      await admin.query(`CREATE USER '${user}'@'%'`);
      await admin.query(`CREATE USER '${user}'@'localhost'`);
      for (const host of ['%', 'localhost']) {
        for (const grant of [
          `GRANT SELECT, INSERT ON \`${database}\`.Events TO '${user}'@'${host}'`,
          `GRANT SELECT, INSERT, UPDATE ON \`${database}\`.Entities TO '${user}'@'${host}'`,
          `GRANT SELECT, INSERT, UPDATE ON \`${database}\`.Head TO '${user}'@'${host}'`,
          `GRANT SELECT, INSERT, UPDATE ON \`${database}\`.Commands TO '${user}'@'${host}'`,
          `GRANT SELECT, INSERT, UPDATE ON \`${database}\`.Snapshots TO '${user}'@'${host}'`,
          `GRANT SELECT ON \`${database}\`.Migrations TO '${user}'@'${host}'`,
          `GRANT SELECT, INSERT, UPDATE, DELETE ON \`${database}\`.Projections TO '${user}'@'${host}'`,
          `GRANT SELECT, INSERT, UPDATE, DELETE ON \`${database}\`.ProjectorLeases TO '${user}'@'${host}'`,
          `GRANT EXECUTE ON PROCEDURE \`${database}\`.publish_batch TO '${user}'@'${host}'`,
        ]) {
          await admin.query(grant);
        }
      }
      const url = new URL(mysqlUrl);
      url.username = user;
      url.password = '';
      url.pathname = `/${database}`;
      const app = new MysqlProvider({ connectionString: url.toString(), database });
      const appStore = new EventStore({ provider: app, events });
      const raw = await mysql.createConnection({ uri: url.toString(), database });
      try {
        const result = await appStore.publish({
          actor: 'test',
          commandId: `least-${database}`,
          entities: [opened('least-1')],
        });
        expect(result.duplicate).toBe(false);
        // One batch with every path of the procedure: 'any', a conflict, a repeated command id.
        const mixed = await Promise.allSettled([
          appStore.publish({ actor: 'test', entities: [moved('least-1', 'any')] }),
          appStore.publish({ actor: 'test', entities: [moved('least-1', 0)] }),
          appStore.publish({
            actor: 'test',
            commandId: `least-${database}`,
            entities: [opened('least-1')],
          }),
        ]);
        expect(mixed.map((outcome) => outcome.status)).toEqual([
          'fulfilled',
          'rejected',
          'fulfilled',
        ]);
        expect(await appStore.readEntity('least-1')).toHaveLength(2);
        const snapshot = { entityId: 'least-1', type: 'Thing', version: 0, schemaVersion: 1 };
        await appStore.writeSnapshot({ ...snapshot, state: { name: 'l' } });
        await appStore.writeSnapshot({ ...snapshot, version: 1, state: { name: 'newer' } });
        expect(await appStore.readSnapshot('least-1')).toMatchObject({
          version: 1,
          state: { name: 'newer' },
        });
        // Checkpoints and leases, as a projector keeps them.
        const key = { projector: `least-${database}`, source: 'default' };
        const next = { position: 1, eventId: null };
        expect(await app.commitCheckpoint({ ...key, expected: undefined, next })).toBe(true);
        expect(await app.readCheckpoint(key)).toEqual(next);
        await app.resetCheckpoint(key);
        const lease = { projector: key.projector, owner: 'least', ttl: 10_000 };
        expect(await app.acquireLease(lease)).toBe(true);
        expect(await app.acquireLease(lease)).toBe(true);
        await app.releaseLease(key.projector, 'least');
        await expect(raw.query('UPDATE Events SET actor = ?', ['x'])).rejects.toThrow(/denied/);
        await expect(raw.query('DELETE FROM Events')).rejects.toThrow(/denied/);
      } finally {
        await raw.end();
        await appStore.close();
        await admin.query(`DROP USER '${user}'@'%'`);
        await admin.query(`DROP USER '${user}'@'localhost'`);
      }
    });

    it('creates the database, and records each migration once however many providers migrate at once', async () => {
      const [rows] = await admin.query<mysql.RowDataPacket[]>(
        `SELECT version FROM \`${database}\`.Migrations ORDER BY version`,
      );
      expect(rows.map((row) => row.version)).toEqual([1, 2, 3, 4]);
      await store.migrate();
      const [again] = await admin.query<mysql.RowDataPacket[]>(
        `SELECT COUNT(*) AS count FROM \`${database}\`.Migrations`,
      );
      expect(Number(again[0]?.count)).toBe(4);
      const [routines] = await admin.execute<mysql.RowDataPacket[]>(
        'SELECT ROUTINE_NAME, SECURITY_TYPE FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ?',
        [database],
      );
      expect(routines.map((row) => [row.ROUTINE_NAME, row.SECURITY_TYPE])).toEqual([
        ['publish_batch', 'INVOKER'],
      ]);
    });

    it("keeps another implementation's Projections rows through migration 4, with projector ''", async () => {
      const legacy = throwawayDatabaseName();
      const legacyProvider = new MysqlProvider({ connectionString: mysqlUrl, database: legacy });
      const projections = `\`${legacy}\`.Projections`;
      const stored = { projector: '', source: 'orders' };
      try {
        await legacyProvider.migrate();
        // Back to the tables as migration 3 left them, with a row another implementation wrote.
        await admin.query(`DROP TABLE \`${legacy}\`.ProjectorLeases`);
        await admin.query(
          `ALTER TABLE ${projections} DROP PRIMARY KEY, DROP COLUMN projector, DROP COLUMN event_id, DROP COLUMN updated_at, ADD PRIMARY KEY (source)`,
        );
        await admin.query(`DELETE FROM \`${legacy}\`.Migrations WHERE version = 4`);
        await admin.query(`INSERT INTO ${projections} (source, \`position\`) VALUES ('orders', 7)`);

        await legacyProvider.migrate();
        expect(await legacyProvider.readCheckpoint(stored)).toEqual({ position: 7, eventId: null });
        // Again, as after a crash between its DDL and its record: a no-op.
        await admin.query(`DELETE FROM \`${legacy}\`.Migrations WHERE version = 4`);
        await legacyProvider.migrate();
        expect(await legacyProvider.readCheckpoint(stored)).toEqual({ position: 7, eventId: null });
        expect(
          await legacyProvider.acquireLease({ projector: 'legacy', owner: 'me', ttl: 1000 }),
        ).toBe(true);
      } finally {
        await legacyProvider.close();
        await dropDatabase(legacy);
      }
    });

    it('keeps ids apart that differ only in case or trailing spaces', async () => {
      const [columns] = await admin.execute<mysql.RowDataPacket[]>(
        'SELECT COLLATION_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ? AND COLUMN_NAME = ?',
        [database, 'Entities', 'id'],
      );
      expect(exactCollations).toContain(columns[0]?.COLLATION_NAME);
      for (const id of ['exact', 'exact ', 'Exact', 'exact  ']) {
        await store.publish({ actor: 'test', entities: [opened(id)] });
      }
      for (const id of ['exact', 'exact ', 'Exact', 'exact  ']) {
        expect(await store.getEntity(id)).toEqual({ id, type: 'Thing', version: 0 });
        expect((await store.readEntity(id)).map((event) => event.details)).toEqual([{ name: id }]);
      }
    });

    it("uses the connection's database when none is given, and keeps prefixed stores apart", async () => {
      const url = new URL(mysqlUrl);
      url.pathname = `/${database}`;
      const prefixed = new EventStore({
        provider: new MysqlProvider({ connectionString: url.toString(), tablePrefix: 'other_' }),
        events,
      });
      try {
        await prefixed.migrate();
        await prefixed.publish({ actor: 'test', entities: [opened('prefixed-1')] });
        expect(await prefixed.getEntity('prefixed-1')).toEqual({
          id: 'prefixed-1',
          type: 'Thing',
          version: 0,
        });
        expect(await prefixed.head()).toBe(1);
        expect(await store.getEntity('prefixed-1')).toBeUndefined();
        const [tables] = await admin.execute<mysql.RowDataPacket[]>(
          "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME LIKE 'other\\_%' ORDER BY TABLE_NAME",
          [database],
        );
        expect(tables.map((row) => row.TABLE_NAME)).toEqual([
          'other_Commands',
          'other_Entities',
          'other_Events',
          'other_Head',
          'other_Migrations',
          'other_Projections',
          'other_ProjectorLeases',
          'other_Snapshots',
        ]);
      } finally {
        await prefixed.close();
      }
    });

    it("works on the user's own pool whatever its number settings, and never ends it", async () => {
      const pool = mysql.createPool({
        uri: mysqlUrl,
        supportBigNumbers: true,
        bigNumberStrings: true,
        connectionLimit: 2,
      });
      try {
        const own = new EventStore({ provider: new MysqlProvider({ pool, database }), events });
        const result = await own.publish({ actor: 'test', entities: [opened('own-pool-1')] });
        expect(await own.getEntity('own-pool-1')).toEqual({
          id: 'own-pool-1',
          type: 'Thing',
          version: 0,
        });
        const [event] = await own.readEntity('own-pool-1');
        expect(event).toMatchObject({ ordinal: 0, position: result.position, schemaVersion: 1 });
        expect(typeof event?.position).toBe('number');
        expect(await own.head()).toBe(result.position);
        // A batch runs at READ COMMITTED, set by the procedure for its own transaction;
        // the pool's sessions keep their level.
        const blocker = await mysql.createConnection(mysqlUrl);
        try {
          await blocker.query('START TRANSACTION');
          await blocker.execute(
            `SELECT version FROM \`${database}\`.Entities WHERE id = ? FOR UPDATE`,
            ['own-pool-1'],
          );
          const waiting = own.publish({ actor: 'test', entities: [moved('own-pool-1', 0)] });
          const [waiter] = await waitForLockWaiters(admin, database, 1);
          expect(waiter?.isolation).toBe('READ COMMITTED');
          await blocker.query('ROLLBACK');
          await waiting;
        } finally {
          await blocker.end();
        }
        expect(await sessionIsolation(pool)).toBe('REPEATABLE-READ');
        await own.close();
        const [rows] = await pool.query<mysql.RowDataPacket[]>('SELECT 1 AS one');
        expect(rows[0]?.one).toBe(1);
      } finally {
        await pool.end();
      }
    });

    it('group-commits concurrent publications: contiguous positions from a handful of transactions', async () => {
      const counting = new ScriptedPool(mysqlUrl);
      const grouped = new EventStore({
        provider: new MysqlProvider({ pool: counting, database }),
        events,
      });
      try {
        const before = await grouped.head();
        const results = await Promise.all(
          Array.from({ length: 40 }, (_, index) =>
            grouped.publish({
              actor: 'test',
              commandId: index % 2 === 0 ? `group-command-${index}` : undefined,
              entities: [opened(`group-${index}`)],
            }),
          ),
        );
        const positions = results.map((result) => result.position);
        expect([...positions].sort((a, b) => a - b)).toEqual(
          Array.from({ length: 40 }, (_, index) => before + index + 1),
        );
        // Publications submitted in order get positions in that order.
        expect(positions).toEqual([...positions].sort((a, b) => a - b));
        expect(counting.calls).toBeLessThanOrEqual(3);
      } finally {
        await grouped.close();
        await counting.end();
      }
    });

    it('commits inline publications one at a time beside group-committed batches: contiguous positions', async () => {
      const seen = `\`${database}\`.inline_seen`;
      await admin.query(`CREATE TABLE ${seen} (\`position\` BIGINT NOT NULL PRIMARY KEY)`);
      const recording: InlineProjection<typeof events, MysqlTransaction> = {
        name: 'seen',
        handlers: {
          Opened: async (event, tx) => {
            await tx.execute(`INSERT INTO ${seen} (\`position\`) VALUES (?)`, [event.position]);
          },
        },
      };
      const inline = new EventStore({
        provider: new MysqlProvider({ connectionString: mysqlUrl, database }),
        events,
        inline: [recording],
      });
      try {
        const before = await store.head();
        const publish = (target: Store, index: number) =>
          target.publish({ actor: 'test', entities: [opened(`beside-${index}`)] });
        const [inlineResults, plainResults] = await Promise.all([
          Promise.all(Array.from({ length: 10 }, (_, index) => publish(inline, index))),
          Promise.all(Array.from({ length: 30 }, (_, index) => publish(store, 10 + index))),
        ]);
        const positions = [...inlineResults, ...plainResults].map((result) => result.position);
        expect(positions.sort((a, b) => a - b)).toEqual(
          Array.from({ length: 40 }, (_, index) => before + index + 1),
        );
        const [rows] = await admin.query<mysql.RowDataPacket[]>(
          `SELECT \`position\` FROM ${seen} ORDER BY \`position\``,
        );
        expect(rows.map((row) => Number(row.position))).toEqual(
          inlineResults.map((result) => result.position).sort((a, b) => a - b),
        );
      } finally {
        await inline.close();
      }
    });

    it('rejects only the refused publications of a batch, each all or nothing', async () => {
      await store.publish({
        actor: 'test',
        entities: [opened('batch-a'), opened('batch-typed', 'new', 'Other')],
      });
      const before = await store.head();
      const outcomes = await Promise.allSettled([
        store.publish({ actor: 'test', entities: [moved('batch-a', 0)] }),
        store.publish({ actor: 'test', entities: [moved('batch-a', 0)] }),
        // The first entity's compare-and-set succeeds, the second is refused: neither stays.
        store.publish({
          actor: 'test',
          commandId: 'batch-refused',
          entities: [opened('batch-m'), moved('batch-typed', 0)],
        }),
        store.publish({ actor: 'test', entities: [opened('batch-m2'), moved('batch-missing', 3)] }),
        store.publish({ actor: 'test', entities: [opened('batch-b'), moved('batch-a', 'any')] }),
      ]);
      expect(outcomes.map((outcome) => outcome.status)).toEqual([
        'fulfilled',
        'rejected',
        'rejected',
        'rejected',
        'fulfilled',
      ]);
      const reasons = outcomes.map((outcome) =>
        outcome.status === 'rejected' ? outcome.reason : undefined,
      );
      expect(reasons[1]).toMatchObject({
        code: 'CONCURRENCY',
        entityId: 'batch-a',
        expectedVersion: 0,
        actualVersion: 1,
      });
      expect(reasons[2]).toMatchObject({
        code: 'ENTITY_TYPE_MISMATCH',
        entityId: 'batch-typed',
        expectedType: 'Thing',
        actualType: 'Other',
      });
      expect(reasons[3]).toMatchObject({
        code: 'CONCURRENCY',
        entityId: 'batch-missing',
        actualVersion: null,
      });
      const positions = outcomes.flatMap((outcome) =>
        outcome.status === 'fulfilled' ? [outcome.value.position] : [],
      );
      expect(positions).toEqual([before + 1, before + 2]);
      expect(await store.getEntity('batch-m')).toBeUndefined();
      expect(await store.getEntity('batch-m2')).toBeUndefined();
      expect(
        (await store.readEntity('batch-a')).map((event) => [event.ordinal, event.position]),
      ).toEqual([
        [0, before],
        [1, before + 1],
        [2, before + 2],
      ]);
      // The refused publication's command id stays free for its retry.
      const retried = await store.publish({
        actor: 'test',
        commandId: 'batch-refused',
        entities: [opened('batch-m'), moved('batch-typed', 0, 'Other')],
      });
      expect(retried).toEqual({
        position: before + 3,
        versions: [
          { id: 'batch-m', version: 0 },
          { id: 'batch-typed', version: 1 },
        ],
        duplicate: false,
      });
    });

    it('stores details as the exact text core serialised, as LONGTEXT, and reads them back unparsed', async () => {
      const text = `${'ü😀\\"\u0000'.repeat(10)}${'x'.repeat(3_000_000)}`;
      await store.publish({
        actor: 'test',
        entities: [
          {
            id: 'exact-text',
            type: 'Thing',
            expectedVersion: 'new',
            events: [{ name: 'Noted', details: { text } }],
          },
        ],
      });
      const [rows] = await admin.execute<mysql.RowDataPacket[]>(
        `SELECT details, CHAR_LENGTH(details) AS length FROM \`${database}\`.Events WHERE entity_id = ?`,
        ['exact-text'],
      );
      expect(rows[0]?.details).toBe(JSON.stringify({ text }));
      const [event] = await store.readEntity('exact-text');
      expect(event?.details).toEqual({ text });
    });

    it('splits a batch larger than max_allowed_packet into CALLs, and inserts the events of a publication larger than one itself', async () => {
      const [rows] = await admin.query<mysql.RowDataPacket[]>(
        'SELECT @@max_allowed_packet AS size',
      );
      const share = Math.floor(Number(rows[0]?.size) * 0.4);
      const noted = (id: string, texts: string[], expectedVersion: number | 'new' = 'new') => ({
        id,
        type: 'Thing',
        expectedVersion,
        events: texts.map((text) => ({ name: 'Noted' as const, details: { text } })),
      });
      await store.publish({ actor: 'test', entities: [opened('packet-existing')] });
      const before = await store.head();
      const texts = ['a', 'b', 'c', 'd', 'e'].map((letter) => letter.repeat(share));
      const counting = new ScriptedPool(mysqlUrl);
      const splitting = new EventStore({
        provider: new MysqlProvider({ pool: counting, database }),
        events,
      });
      try {
        await splitting.head();
        // About 1.2, 0.4, 0.4 and 0 packets: [huge], [large, large, small], in order.
        const results = await Promise.all([
          splitting.publish({
            actor: 'test',
            entities: [
              noted('packet-huge', texts.slice(0, 2)),
              noted('packet-existing', texts.slice(2, 3), 0),
            ],
          }),
          splitting.publish({
            actor: 'test',
            entities: [noted('packet-large-1', texts.slice(3, 4))],
          }),
          splitting.publish({
            actor: 'test',
            entities: [noted('packet-large-2', texts.slice(4, 5))],
          }),
          splitting.publish({ actor: 'test', entities: [moved('packet-existing', 1)] }),
        ]);
        expect(results.map((result) => result.position)).toEqual([
          before + 1,
          before + 2,
          before + 3,
          before + 4,
        ]);
        expect(results[0]?.versions).toEqual([
          { id: 'packet-huge', version: 1 },
          { id: 'packet-existing', version: 1 },
        ]);
        expect(counting.calls).toBe(2);
        // The huge one's transaction: the CALL, its events, then the commit.
        expect(counting.statements).toEqual(['CALL', 'COMMIT', 'CALL']);
      } finally {
        await splitting.close();
        await counting.end();
      }
      const storedTexts = async (id: string) =>
        (await store.readEntity(id)).map((event) => [
          event.ordinal,
          event.position,
          (event.details as { text?: string }).text?.length,
        ]);
      expect(await storedTexts('packet-huge')).toEqual([
        [0, before + 1, share],
        [1, before + 1, share],
      ]);
      expect(await storedTexts('packet-existing')).toEqual([
        [0, before, undefined],
        [1, before + 1, share],
        [2, before + 4, undefined],
      ]);
      expect(await storedTexts('packet-large-2')).toEqual([[0, before + 3, share]]);
      const [event] = await store.readEntity('packet-large-1');
      expect((event?.details as { text?: string } | undefined)?.text === texts[3]).toBe(true);
    }, 60_000);

    it('refuses an event larger than max_allowed_packet before it joins a batch', async () => {
      const [rows] = await admin.query<mysql.RowDataPacket[]>(
        'SELECT @@max_allowed_packet AS size',
      );
      const limit = Number(rows[0]?.size);
      const before = await store.head();
      const outcomes = await Promise.allSettled([
        store.publish({
          actor: 'test',
          entities: [
            {
              id: 'huge',
              type: 'Thing',
              expectedVersion: 'new',
              events: [{ name: 'Noted', details: { text: 'x'.repeat(limit) } }],
            },
          ],
        }),
        store.publish({ actor: 'test', entities: [opened('beside-huge')] }),
      ]);
      expect(outcomes[0]).toMatchObject({
        status: 'rejected',
        reason: { code: 'INVALID_ARGUMENT' },
      });
      expect(outcomes[1]).toMatchObject({ status: 'fulfilled', value: { position: before + 1 } });
      expect(await store.getEntity('huge')).toBeUndefined();
    });

    it('refuses a type longer than its column holds instead of letting the server cut it', async () => {
      await expect(
        store.publish({ actor: 'test', entities: [opened('long-type', 'new', 'T'.repeat(256))] }),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect(await store.getEntity('long-type')).toBeUndefined();
    });

    it("stores one publication when providers race one command id on an entity with 'any'", async () => {
      await store.publish({ actor: 'test', entities: [opened('race-any')] });
      const stores = [store, otherStore(), otherStore()];
      const blocker = await mysql.createConnection(mysqlUrl);
      try {
        // Hold the entity so every racer passes its first look at the command
        // id and then queues on the row; the later ones find the id stored
        // only when they insert it, and retry their batch.
        await blocker.query('START TRANSACTION');
        await blocker.execute(
          `SELECT version FROM \`${database}\`.Entities WHERE id = ? FOR UPDATE`,
          ['race-any'],
        );
        const racing = stores.map((racer) =>
          racer.publish({
            actor: 'test',
            commandId: 'race-any-command',
            entities: [moved('race-any', 'any')],
          }),
        );
        await waitForLockWaiters(admin, database, stores.length);
        await blocker.query('ROLLBACK');
        const results = await Promise.all(racing);
        expect(results.filter((result) => !result.duplicate)).toHaveLength(1);
        const first = results.find((result) => !result.duplicate) as PublishResult;
        for (const result of results) {
          expect(result).toEqual({ ...first, duplicate: result.duplicate });
        }
        expect((await store.readEntity('race-any')).map((event) => event.ordinal)).toEqual([0, 1]);
      } finally {
        await blocker.end();
      }
    });

    it('locks the entities of a batch in key order: providers publishing to them in opposite orders never deadlock', async () => {
      const second = otherStore();
      const blocker = await mysql.createConnection(mysqlUrl);
      try {
        for (const id of ['order-a', 'order-c', 'order-d'])
          await store.publish({ actor: 'test', entities: [opened(id)] });
        const deadlocksBefore = await deadlockCount(admin);
        const touch = (ids: string[]) => ids.map((id) => moved(id, 'any'));
        // Updated one by one in publication order, these would deadlock once order-d is free:
        // one would hold order-a and want order-c, the other hold order-c and want order-a.
        await blocker.query('START TRANSACTION');
        await blocker.execute(
          `SELECT version FROM \`${database}\`.Entities WHERE id = ? FOR UPDATE`,
          ['order-d'],
        );
        const first = store.publish({
          actor: 'test',
          entities: touch(['order-a', 'order-d', 'order-c']),
        });
        await waitForLockWaiters(admin, database, 1);
        const other = second.publish({ actor: 'test', entities: touch(['order-c', 'order-a']) });
        await waitForLockWaiters(admin, database, 2);
        await blocker.query('ROLLBACK');
        const [one, two] = await Promise.all([first, other]);
        // The second waited for the first's locks, so it committed right after it.
        expect(two.position).toBe(one.position + 1);
        expect(await deadlockCount(admin)).toBe(deadlocksBefore);
        for (const id of ['order-a', 'order-c']) {
          expect((await store.readEntity(id)).map((event) => event.ordinal)).toEqual([0, 1, 2]);
        }
      } finally {
        await blocker.end();
      }
    });

    it('retries a batch the server rolled back as a deadlock victim, and it lands', async () => {
      const blocker = await mysql.createConnection(mysqlUrl);
      try {
        for (const id of ['victim-a', 'victim-d'])
          await store.publish({ actor: 'test', entities: [opened(id)] });
        const deadlocksBefore = await deadlockCount(admin);
        await blocker.query(
          `CREATE TABLE IF NOT EXISTS \`${database}\`.ballast (n INT PRIMARY KEY)`,
        );
        await blocker.query('START TRANSACTION');
        // Weigh the blocker down, so that the server picks the batch as the victim.
        await blocker
          .query(`INSERT INTO \`${database}\`.ballast (n) SELECT seq FROM seq_1_to_2000`)
          .catch(() =>
            blocker.query(
              `INSERT INTO \`${database}\`.ballast (n) WITH RECURSIVE s (n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 2000) SELECT n FROM s`,
            ),
          );
        await blocker.execute(
          `SELECT version FROM \`${database}\`.Entities WHERE id = ? FOR UPDATE`,
          ['victim-d'],
        );
        const publishing = store.publish({
          actor: 'test',
          entities: [moved('victim-a', 0), moved('victim-d', 0)],
        });
        await waitForLockWaiters(admin, database, 1);
        // The batch holds victim-a and waits for victim-d; now the blocker wants victim-a.
        await blocker.execute(
          `SELECT version FROM \`${database}\`.Entities WHERE id = ? FOR UPDATE`,
          ['victim-a'],
        );
        expect(await deadlockCount(admin)).toBeGreaterThan(deadlocksBefore);
        await blocker.query('ROLLBACK');
        const result = await publishing;
        expect(result.versions).toEqual([
          { id: 'victim-a', version: 1 },
          { id: 'victim-d', version: 1 },
        ]);
        for (const id of ['victim-a', 'victim-d']) {
          expect((await store.readEntity(id)).map((event) => event.ordinal)).toEqual([0, 1]);
        }
      } finally {
        await blocker.end();
      }
    });

    it('retries a batch after a lock wait timeout, from the start', async () => {
      let failures = 1;
      const scripted = new ScriptedPool(mysqlUrl, (sql) => {
        // As the server reports a lock wait timeout in the CALL: it rolled back, the batch is tried again.
        if (sql.includes('publish_batch') && failures > 0) {
          failures--;
          return driverError(
            1205,
            'ER_LOCK_WAIT_TIMEOUT',
            'Lock wait timeout exceeded; try restarting transaction',
          );
        }
        return undefined;
      });
      const retrying = new EventStore({
        provider: new MysqlProvider({ pool: scripted, database }),
        events,
      });
      try {
        await store.publish({ actor: 'test', entities: [opened('timeout-a')] });
        const before = await store.head();
        const [one, two] = await Promise.all([
          retrying.publish({
            actor: 'test',
            commandId: 'timeout-command',
            entities: [moved('timeout-a', 0)],
          }),
          retrying.publish({ actor: 'test', entities: [opened('timeout-b')] }),
        ]);
        expect(scripted.calls).toBe(2);
        // One round trip per batch, on any connection of the pool: the procedure runs and
        // commits the transaction, or has rolled it back when it fails, and sets its
        // isolation level itself, so the user's pool keeps its sessions' level.
        expect(scripted.statements).toEqual(['CALL', 'CALL']);
        expect([one?.position, two?.position]).toEqual([before + 1, before + 2]);
        expect((await store.readEntity('timeout-a')).map((event) => event.ordinal)).toEqual([0, 1]);
        expect(await store.getEntity('timeout-b')).toEqual({
          id: 'timeout-b',
          type: 'Thing',
          version: 0,
        });
      } finally {
        await retrying.close();
        await scripted.end();
      }
    });

    it('gives up after maxRetries deadlocks with a ProviderError, writing nothing', async () => {
      const scripted = new ScriptedPool(mysqlUrl, (sql) =>
        sql.includes('publish_batch')
          ? driverError(
              1213,
              'ER_LOCK_DEADLOCK',
              'Deadlock found when trying to get lock; try restarting transaction',
            )
          : undefined,
      );
      const failing = new EventStore({
        provider: new MysqlProvider({ pool: scripted, database, maxRetries: 2 }),
        events,
      });
      try {
        const before = await store.head();
        const error = await failing
          .publish({ actor: 'test', entities: [opened('given-up')] })
          .catch((caught: unknown) => caught);
        expect(isFactlineError(error, 'PROVIDER')).toBe(true);
        expect((error as Error).cause).toMatchObject({ errno: 1213 });
        expect(scripted.calls).toBe(3);
        expect(await store.getEntity('given-up')).toBeUndefined();
        expect(await store.head()).toBe(before);
      } finally {
        await failing.close();
        await scripted.end();
      }
    });

    describe.each([
      { step: 'waiting for the position, its entities written', table: 'Head' },
      { step: 'waiting for an entity', table: 'Entities' },
    ])('when the connection is killed $step', ({ table }) => {
      it('fails with a typed error, writes nothing, and the store goes on', async () => {
        await store.publish({ actor: 'test', entities: [opened(`killed-held-${table}`)] });
        const held = table === 'Head' ? 1 : `killed-held-${table}`;
        const killed = otherStore();
        await killed.head(); // Open the pool before the blocker takes its lock.
        const before = await store.head();
        const blocker = await mysql.createConnection(mysqlUrl);
        try {
          await blocker.query('START TRANSACTION');
          await blocker.execute(
            `SELECT * FROM \`${database}\`.\`${table}\` WHERE id = ? FOR UPDATE`,
            [held],
          );
          // One batch of two publications, stopped at the held row.
          const publishing = [
            killed.publish({
              actor: 'test',
              commandId: `killed-${table}`,
              entities: [opened(`killed-new-${table}`)],
            }),
            killed.publish({ actor: 'test', entities: [moved(`killed-held-${table}`, 0)] }),
          ].map((publication) => publication.catch((error: unknown) => error));
          const [waiter] = await waitForLockWaiters(admin, database, 1);
          // The provider made its own pool's sessions read committed.
          expect(waiter?.isolation).toBe('READ COMMITTED');
          await admin.query(`KILL CONNECTION ${Number(waiter?.id)}`);
          const errors = await Promise.all(publishing);
          for (const error of errors) expect(isFactlineError(error, 'PROVIDER')).toBe(true);
          await blocker.query('ROLLBACK');
        } finally {
          await blocker.end();
        }
        expect(await store.getEntity(`killed-new-${table}`)).toBeUndefined();
        expect(await store.getEntity(`killed-held-${table}`)).toMatchObject({ version: 0 });
        expect(await store.head()).toBe(before);
        const [commands] = await admin.execute<mysql.RowDataPacket[]>(
          `SELECT COUNT(*) AS count FROM \`${database}\`.Commands WHERE command_id = ?`,
          [`killed-${table}`],
        );
        expect(Number(commands[0]?.count)).toBe(0);
        // The pool dropped the dead connection: the same provider still works.
        const after = await killed.publish({
          actor: 'test',
          commandId: `killed-${table}`,
          entities: [opened(`killed-new-${table}`)],
        });
        expect(after).toMatchObject({ position: before + 1, duplicate: false });
      });
    });

    it('lets a poller see every publication of 8 concurrent writers once, at contiguous positions', async () => {
      const writers = Array.from({ length: 8 }, () => otherStore());
      const poller = otherStore();
      const start = await store.head();
      const shared = ['poll-shared-0', 'poll-shared-1', 'poll-shared-2'];
      for (const id of shared) await store.publish({ actor: 'test', entities: [opened(id)] });
      const published: number[] = [];
      const write = async (writer: number, loop: number) => {
        const own = `poll-w${writer}-l${loop}`;
        for (let step = 0; step < 25; step++) {
          const target = shared[(writer + step) % shared.length] as string;
          for (;;) {
            const version = (await writers[writer]?.getEntity(target))?.version ?? 0;
            try {
              const result = await writers[writer]?.publish({
                actor: `writer-${writer}`,
                entities: [
                  step === 0 ? opened(own) : moved(own, step - 1),
                  ...(step % 3 === 0 ? [moved(target, version)] : []),
                ],
              });
              if (result !== undefined) published.push(result.position);
              break;
            } catch (error) {
              if (!isFactlineError(error, 'CONCURRENCY')) throw error;
              expect((error as { entityId?: string }).entityId).toBe(target);
            }
          }
        }
      };
      let writing = true;
      const done = Promise.all(
        writers.flatMap((_, writer) => Array.from({ length: 4 }, (_, loop) => write(writer, loop))),
      ).finally(() => {
        writing = false;
      });
      done.catch(() => undefined);
      const seen: number[] = [];
      let checkpoint = start;
      const poll = async () => {
        const page = await poller.readPage(checkpoint, 50);
        for (const event of page.events) {
          if (seen.at(-1) !== event.position) seen.push(event.position);
        }
        checkpoint = page.lastPosition;
        return page.events.length;
      };
      let whileWriting = 0;
      while (writing) whileWriting += await poll();
      await done;
      while ((await poll()) > 0);
      expect(whileWriting).toBeGreaterThan(0);
      expect(published).toHaveLength(8 * 4 * 25);
      const head = await store.head();
      expect(seen).toEqual(Array.from({ length: head - start }, (_, index) => start + index + 1));
      expect(new Set([...published, ...seen.slice(0, shared.length)])).toEqual(new Set(seen));
      expect(new Set(published).size).toBe(published.length);
      for (const id of shared) {
        const history = await store.readEntity(id);
        expect(history.map((event) => event.ordinal)).toEqual(history.map((_, ordinal) => ordinal));
      }
    }, 120_000);
  });
});

/** A driver error as mysql2 shapes it. */
function driverError(errno: number, code: string, message: string): Error {
  return Object.assign(new Error(message), { errno, code, sqlState: 'HY000' });
}

/**
 * A pool on a real server that counts batches (CALLs of the publish
 * procedure) and can fail chosen statements before they reach the server.
 */
class ScriptedPool implements MysqlPool {
  calls = 0;
  /** What it and its connections sent: `CALL` for a batch, and every `query` (transaction control). */
  readonly statements: string[] = [];
  readonly #pool: mysql.Pool;
  readonly #fail: (sql: string) => Error | undefined;

  constructor(url: string, fail: (sql: string) => Error | undefined = () => undefined) {
    this.#pool = mysql.createPool({ uri: url, connectionLimit: 4 });
    this.#fail = fail;
  }

  async execute(options: MysqlQueryOptions, values?: MysqlValue[]): Promise<[unknown, unknown]> {
    this.#record(options.sql);
    return this.#pool.execute(options, values);
  }

  query(sql: string): Promise<[unknown, unknown]> {
    return this.#pool.query(sql);
  }

  async getConnection(): Promise<MysqlPoolConnection> {
    const connection = await this.#pool.getConnection();
    return {
      execute: async (options, values) => {
        this.#record(options.sql);
        return connection.execute(options, values);
      },
      query: async (sql) => {
        this.statements.push(sql);
        return connection.query(sql);
      },
      release: () => connection.release(),
      destroy: () => connection.destroy(),
    };
  }

  end(): Promise<void> {
    return this.#pool.end();
  }

  /** Counts a CALL, and fails the statement if the script says so. */
  #record(sql: string): void {
    if (sql.startsWith('CALL')) {
      this.calls++;
      this.statements.push('CALL');
    }
    const failure = this.#fail(sql);
    if (failure !== undefined) throw failure;
  }
}

/** The isolation level of a session of the pool (MariaDB calls it tx_isolation before 11.1). */
async function sessionIsolation(pool: mysql.Pool): Promise<string> {
  const [rows] = await pool
    .query<mysql.RowDataPacket[]>('SELECT @@SESSION.transaction_isolation AS level')
    .catch(() => pool.query<mysql.RowDataPacket[]>('SELECT @@SESSION.tx_isolation AS level'));
  return String(rows[0]?.level);
}

async function deadlockCount(connection: mysql.Connection): Promise<number> {
  const [rows] = await connection.query<mysql.RowDataPacket[]>(
    "SELECT `COUNT` AS count FROM information_schema.INNODB_METRICS WHERE NAME = 'lock_deadlocks'",
  );
  return Number(rows[0]?.count ?? 0);
}

/** A transaction waiting for a row lock. */
interface LockWaiter {
  /** Its connection id. */
  readonly id: number;
  readonly isolation: string;
}

/** Waits until `count` statements on `database` wait for a row lock. */
async function waitForLockWaiters(
  connection: mysql.Connection,
  database: string,
  count: number,
): Promise<LockWaiter[]> {
  const waiting =
    "SELECT trx_mysql_thread_id AS id, trx_isolation_level AS isolation FROM information_schema.INNODB_TRX WHERE trx_state = 'LOCK WAIT' AND trx_query LIKE ?";
  for (let attempt = 0; attempt < 100; attempt++) {
    // InnoDB refreshes this table only when nobody read it for 0.1 s.
    await new Promise((resolve) => setTimeout(resolve, 120));
    const [rows] = await connection.execute<mysql.RowDataPacket[]>(waiting, [`%${database}%`]);
    if (rows.length >= count) {
      return rows.map((row) => ({ id: Number(row.id), isolation: String(row.isolation) }));
    }
  }
  throw new Error(`expected ${count} transactions on ${database} waiting for a lock`);
}
