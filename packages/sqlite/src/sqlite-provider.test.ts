import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineEvents, EventStore, isFactlineError } from '@factline/core';
import { describeProviderConformance } from '@factline/testing';
import Database from 'better-sqlite3';
import * as v from 'valibot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteHarness } from './sqlite-conformance-harness.js';
import type { SqliteDatabase } from './sqlite-database.js';
import { SqliteProvider } from './sqlite-provider.js';
import { sqliteStatements } from './sqlite-statements.js';

describeProviderConformance('sqlite', createSqliteHarness);

const events = defineEvents({ Noted: v.object({ note: v.string() }) });

const note = (id: string, text: string) => ({
  actor: 'test',
  entities: [
    {
      id,
      type: 'Note',
      expectedVersion: 'any' as const,
      events: [{ name: 'Noted' as const, details: { note: text } }],
    },
  ],
});

describe('SqliteProvider', () => {
  let directory: string;
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'factline-sqlite-'));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('refuses a table prefix that is not letters, digits and underscores', () => {
    for (const tablePrefix of ['shop"', 'a b', 'x; DROP TABLE Events', '1st_', 'ünï_']) {
      let error: unknown;
      try {
        new SqliteProvider({ database: ':memory:', tablePrefix });
      } catch (caught) {
        error = caught;
      }
      expect(isFactlineError(error, 'INVALID_ARGUMENT'), tablePrefix).toBe(true);
    }
  });

  it('keeps stores with different table prefixes apart in one file', async () => {
    const database = join(directory, 'shared.db');
    const shop = new EventStore({
      provider: new SqliteProvider({ database, tablePrefix: 'shop_' }),
      events,
    });
    const blog = new EventStore({
      provider: new SqliteProvider({ database, tablePrefix: 'blog_' }),
      events,
    });
    await shop.migrate();
    await blog.migrate();

    await shop.publish(note('same-id', 'shop'));
    await blog.publish(note('same-id', 'blog'));
    await blog.publish(note('same-id', 'blog again'));

    expect((await shop.readEntity('same-id')).map((event) => event.details.note)).toEqual(['shop']);
    expect((await blog.readEntity('same-id')).map((event) => event.details.note)).toEqual([
      'blog',
      'blog again',
    ]);
    expect([await shop.head(), await blog.head()]).toEqual([1, 2]);
    const inspector = new Database(database, { readonly: true });
    const tables = inspector
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
      .pluck()
      .all();
    inspector.close();
    expect(tables).toEqual(
      expect.arrayContaining(['blog_Events', 'blog_Entities', 'shop_Events', 'shop_Entities']),
    );
    await shop.close();
    await blog.close();
  });

  it('uses an application database without ever closing it', async () => {
    const database = new Database(join(directory, 'own.db')) as unknown as SqliteDatabase;
    const store = new EventStore({ provider: new SqliteProvider({ database }), events });
    await store.migrate();
    await store.publish(note('own', 'kept open'));

    await store.close();

    expect(database.open).toBe(true);
    expect(database.prepare('SELECT COUNT(*) FROM Events').pluck().get()).toBe(1);
    database.close();
  });

  it('opens files in WAL mode, so that readers do not block writers', async () => {
    const provider = new SqliteProvider({ database: join(directory, 'wal.db') });

    expect(provider.database.pragma('journal_mode', { simple: true })).toBe('wal');
    await provider.close();
    expect(provider.database.open).toBe(false);
  });

  it('packs page rows with concat(), and with the || chain an SQLite before 3.44 runs, into the same text', async () => {
    const provider = new SqliteProvider({ database: ':memory:' });
    const store = new EventStore({ provider, events });
    await store.migrate();
    await store.publish({
      ...note('quote " \\ ü \u2028', 'one "two" \\ three'),
      headers: { tenant: 'acme' },
    });
    await store.publish(note('plain', 'no metadata'));
    const statements = sqliteStatements('');

    const packed = await provider.readPackedPositions(0, 10);
    const chained = provider.database
      .prepare(statements.readPackedPositionsChained)
      .pluck()
      .all(0, 10);

    expect(chained).toEqual(packed);
    const rows = await provider.readPositions(0, 10);
    expect(packed.map((text) => JSON.parse(text))).toEqual(
      rows.map((row) => [
        row.position,
        row.id,
        row.entityId,
        row.name,
        row.schemaVersion,
        JSON.parse(row.details),
        row.actor,
        Math.round(row.timestamp * 86_400_000),
        row.ordinal,
        row.metadata === null ? null : JSON.parse(row.metadata),
      ]),
    );
    expect(JSON.parse(packed[0] as string)[9]).toEqual({ headers: { tenant: 'acme' } });
    await store.close();
  });

  it('works in memory', async () => {
    const store = new EventStore({
      provider: new SqliteProvider({ database: ':memory:' }),
      events,
    });
    await store.migrate();

    await store.publish(note('memory', 'one'));

    expect(await store.getEntity('memory')).toEqual({ id: 'memory', type: 'Note', version: 0 });
    await store.close();
  });

  it('upgrades a store of migration 1 to the current tables, keeping its events and checkpoints', async () => {
    const database = new Database(join(directory, 'v1.db')) as unknown as SqliteDatabase;
    const sql = sqliteStatements('');
    const [first] = sql.migrations;
    database.exec(sql.migrationsTable);
    database.exec((first as { sql: string }).sql);
    database.prepare(sql.recordMigration).run(1, 'migration 1', 0);
    database.prepare('INSERT INTO Projections (source, position) VALUES (?, ?)').run('legacy', 7);
    const store = new EventStore({ provider: new SqliteProvider({ database }), events });
    await store.publish(note('old', 'before snapshots'));

    await store.migrate();
    await store.writeSnapshot({
      entityId: 'old',
      type: 'Note',
      version: 0,
      schemaVersion: 1,
      state: { notes: ['before snapshots'] },
    });

    expect(
      database.prepare('SELECT version FROM Migrations ORDER BY version').pluck().all(),
    ).toEqual([1, 2, 3]);
    expect(database.prepare('SELECT projector, source, position FROM Projections').all()).toEqual([
      { projector: '', source: 'legacy', position: 7 },
    ]);
    expect(await store.readSnapshot('old')).toMatchObject({
      version: 0,
      state: { notes: ['before snapshots'] },
    });
    expect((await store.readEntity('old')).map((event) => event.details.note)).toEqual([
      'before snapshots',
    ]);
    database.close();
  });
});
