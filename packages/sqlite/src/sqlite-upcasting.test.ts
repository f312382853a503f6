/**
 * Schema evolution against real rows: events written while an event was at
 * version 1 are read back, upcast, by code where it is at version 3.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  defineEvent,
  defineEvents,
  type EventRegistry,
  EventStore,
  isFactlineError,
  toProtocolTimestamp,
} from '@factline/core';
import Database from 'better-sqlite3';
import * as v from 'valibot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SqliteProvider } from './sqlite-provider.js';

const OrderPlacedV1 = v.object({ customer: v.string(), total: v.number() });
const OrderPlacedV2 = v.object({ customerId: v.string(), total: v.number() });
const OrderPlacedV3 = v.object({
  customerId: v.string(),
  total: v.object({ amount: v.number(), currency: v.optional(v.string(), 'EUR') }),
});
const OrderShipped = v.object({ carrier: v.string() });

/** The application when OrderPlaced was new. */
const eventsAtV1 = defineEvents({ OrderPlaced: OrderPlacedV1, OrderShipped });

/** The same application two schema changes later. */
const eventsAtV3 = defineEvents({
  OrderPlaced: defineEvent({
    versions: [OrderPlacedV1, OrderPlacedV2, OrderPlacedV3],
    upcasters: {
      1: ({ customer, ...rest }) => ({ ...rest, customerId: customer }),
      2: (v2) => ({ ...v2, total: { amount: v2.total } }),
    },
  }),
  OrderShipped,
});

describe('SqliteProvider with upcasting', () => {
  let directory: string;
  let file: string;
  const open: { close(): Promise<void> }[] = [];
  const storeAt = <TRegistry extends EventRegistry>(events: TRegistry) => {
    const store = new EventStore({ provider: new SqliteProvider({ database: file }), events });
    open.push(store);
    return store;
  };

  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), 'factline-upcasting-'));
    file = join(directory, 'events.db');
    const old = storeAt(eventsAtV1);
    await old.migrate();
    await old.publish({
      actor: 'user:1',
      entities: [
        {
          id: 'order-1',
          type: 'Order',
          expectedVersion: 'new',
          events: [
            { name: 'OrderPlaced', details: { customer: 'alice', total: 30 } },
            { name: 'OrderShipped', details: { carrier: 'DHL' } },
          ],
        },
      ],
    });
    await old.publish({
      actor: 'user:2',
      entities: [
        {
          id: 'order-2',
          type: 'Order',
          expectedVersion: 'new',
          events: [{ name: 'OrderPlaced', details: { customer: 'bob', total: 12.5 } }],
        },
      ],
    });
    await old.close();
  });

  afterEach(async () => {
    for (const store of open.splice(0)) await store.close();
    await rm(directory, { recursive: true, force: true });
  });

  /** The stored rows as SQL sees them: name, schema version, details text. */
  function storedRows(): [string, string, number, string][] {
    const database = new Database(file, { readonly: true });
    try {
      return database
        .prepare(
          'SELECT entity_id, name, schema_version, details FROM Events ORDER BY position, rowid',
        )
        .raw()
        .all() as [string, string, number, string][];
    } finally {
      database.close();
    }
  }

  /** Appends a row the way another writer of the protocol could: by SQL. */
  function insertRow(entityId: string, details: object, schemaVersion?: number): void {
    const database = new Database(file);
    try {
      const position = database
        .prepare('SELECT COALESCE(MAX(position), 0) + 1 FROM Events')
        .pluck()
        .get() as number;
      database
        .prepare("INSERT INTO Entities (id, type, version) VALUES (?, 'Order', 0)")
        .run(entityId);
      const columns = [
        'entity_id',
        'name',
        'details',
        'actor',
        'timestamp',
        'ordinal',
        'position',
        'id',
      ];
      const values: unknown[] = [
        entityId,
        'OrderPlaced',
        JSON.stringify(details),
        'legacy:importer',
        toProtocolTimestamp(new Date('2020-01-02T03:04:05.678Z')),
        0,
        position,
        randomUUID(),
      ];
      // Without a schema_version, the column's default (1) applies, as for a writer that predates it.
      if (schemaVersion !== undefined) {
        columns.push('schema_version');
        values.push(schemaVersion);
      }
      database
        .prepare(
          `INSERT INTO Events (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
        )
        .run(...values);
    } finally {
      database.close();
    }
  }

  it('stores version 1 rows while the event is at version 1', () => {
    expect(storedRows()).toEqual([
      ['order-1', 'OrderPlaced', 1, '{"customer":"alice","total":30}'],
      ['order-1', 'OrderShipped', 1, '{"carrier":"DHL"}'],
      ['order-2', 'OrderPlaced', 1, '{"customer":"bob","total":12.5}'],
    ]);
  });

  it('reads version 1 rows as version 3 through readEntity', async () => {
    const store = storeAt(eventsAtV3);
    const history = await store.readEntity('order-1');
    expect(
      history.map(({ name, schemaVersion, details }) => ({ name, schemaVersion, details })),
    ).toEqual([
      {
        name: 'OrderPlaced',
        schemaVersion: 3,
        details: { customerId: 'alice', total: { amount: 30, currency: 'EUR' } },
      },
      // An event that never evolved is read as it was stored.
      { name: 'OrderShipped', schemaVersion: 1, details: { carrier: 'DHL' } },
    ]);
    const placed = history[0];
    if (placed?.name !== 'OrderPlaced') throw new Error('expected OrderPlaced first');
    // The type is the latest version's too.
    expect(placed.details.total.currency).toBe('EUR');
  });

  it('writes new events at version 3 and reads old and new alike through readAll', async () => {
    const store = storeAt(eventsAtV3);
    await store.publish({
      actor: 'user:3',
      entities: [
        {
          id: 'order-3',
          type: 'Order',
          expectedVersion: 'new',
          events: [
            {
              name: 'OrderPlaced',
              details: { customerId: 'carol', total: { amount: 8, currency: 'USD' } },
            },
          ],
        },
      ],
    });
    expect(storedRows().at(-1)).toEqual([
      'order-3',
      'OrderPlaced',
      3,
      '{"customerId":"carol","total":{"amount":8,"currency":"USD"}}',
    ]);
    const placed = [];
    for await (const event of store.readAll()) {
      if (event.name === 'OrderPlaced')
        placed.push([event.entityId, event.schemaVersion, event.details]);
    }
    expect(placed).toEqual([
      ['order-1', 3, { customerId: 'alice', total: { amount: 30, currency: 'EUR' } }],
      ['order-2', 3, { customerId: 'bob', total: { amount: 12.5, currency: 'EUR' } }],
      ['order-3', 3, { customerId: 'carol', total: { amount: 8, currency: 'USD' } }],
    ]);
    // The rows themselves are never rewritten.
    expect(storedRows()[0]).toEqual([
      'order-1',
      'OrderPlaced',
      1,
      '{"customer":"alice","total":30}',
    ]);
  });

  it('starts the chain at the version stored in the row', async () => {
    // Version 2 details have no `customer`: run from version 1, they would fail.
    insertRow('order-v2', { customerId: 'dave', total: 3 }, 2);
    // No schema_version given: the column's default says version 1.
    insertRow('order-legacy', { customer: 'erin', total: 4 });
    const store = storeAt(eventsAtV3);
    const [fromV2] = await store.readEntity('order-v2');
    expect(fromV2).toMatchObject({
      schemaVersion: 3,
      actor: 'legacy:importer',
      details: { customerId: 'dave', total: { amount: 3, currency: 'EUR' } },
    });
    const [fromV1] = await store.readEntity('order-legacy');
    expect(fromV1?.details).toEqual({ customerId: 'erin', total: { amount: 4, currency: 'EUR' } });
    const tail = [];
    for await (const event of store.readAll({ after: 2 })) tail.push(event.entityId);
    expect(tail).toEqual(['order-v2', 'order-legacy']);
  });

  it('refuses a row stored at a version newer than the registry knows', async () => {
    insertRow('order-v4', { customerId: 'frank', total: { amount: 1 }, loyalty: true }, 4);
    const store = storeAt(eventsAtV3);
    const error = await store.readEntity('order-v4').catch((caught: unknown) => caught);
    expect(isFactlineError(error, 'UPCAST')).toBe(true);
    if (!isFactlineError(error, 'UPCAST')) return;
    expect(error).toMatchObject({
      failure: 'unknown-version',
      eventName: 'OrderPlaced',
      storedVersion: 4,
      latestVersion: 3,
      entityId: 'order-v4',
    });
    expect(error.eventId).toEqual(expect.any(String));
    await expect(async () => {
      for await (const _ of store.readAll()) {
        // reading on to the row at version 4
      }
    }).rejects.toThrow(/stored at schema version 4/);
  });

  it('refuses a row whose version has no upcaster', async () => {
    // This deployment dropped the upcaster from version 1, believing no such row was left.
    const withoutV1 = defineEvents({
      OrderPlaced: defineEvent({
        schema: OrderPlacedV3,
        version: 3,
        upcasters: {
          2: (v2: { customerId: string; total: number }) => ({
            ...v2,
            total: { amount: v2.total },
          }),
        },
      }),
      OrderShipped,
    });
    insertRow('order-v2', { customerId: 'dave', total: 3 }, 2);
    const store = storeAt(withoutV1);
    expect((await store.readEntity('order-v2'))[0]?.details).toEqual({
      customerId: 'dave',
      total: { amount: 3, currency: 'EUR' },
    });
    const error = await store.readEntity('order-1').catch((caught: unknown) => caught);
    expect(isFactlineError(error, 'UPCAST') && error.failure).toBe('missing-upcaster');
    expect((error as Error).message).toContain('Add upcasters[1]');
  });
});
