import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineEvents, EventStore } from '@factline/core';
import { SqliteProvider } from '@factline/sqlite';
import * as v from 'valibot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Reactor } from './reactor.js';

const events = defineEvents({
  OrderPlaced: v.object({ order: v.string(), email: v.string() }),
  OrderCancelled: v.object({ order: v.string() }),
  NoteAdded: v.object({ note: v.string() }),
});

let directory: string;
let provider: SqliteProvider;
let store: EventStore<typeof events>;

beforeEach(async () => {
  directory = mkdtempSync(join(tmpdir(), 'factline-reactor-'));
  provider = new SqliteProvider({ database: join(directory, 'shop.db') });
  store = new EventStore({ provider, events });
  await store.migrate();
});

afterEach(async () => {
  await store.close();
  rmSync(directory, { recursive: true, force: true });
});

async function place(order: string) {
  return store.publish({
    actor: 'test',
    entities: [
      {
        id: order,
        type: 'Order',
        expectedVersion: 'new',
        events: [
          { name: 'OrderPlaced', details: { order, email: `${order}@example.com` } },
          { name: 'NoteAdded', details: { note: 'gift wrap' } },
        ],
      },
    ],
  });
}

describe('Reactor', () => {
  it('runs side effects for committed events, checkpointing after each publication', async () => {
    await place('o-1');
    await place('o-2');
    const sent: string[] = [];
    const reactor = new Reactor({
      name: 'emails',
      store,
      storage: provider,
      handlers: {
        OrderPlaced: (event) => {
          sent.push(`${event.id}:${event.details.email}`);
        },
      },
    });

    expect(await reactor.runUntilCaughtUp()).toEqual({ position: 2, events: 4 });
    expect(sent.map((line) => line.split(':')[1])).toEqual(['o-1@example.com', 'o-2@example.com']);
    expect(
      (await provider.readCheckpoint({ projector: 'emails', source: 'default' }))?.position,
    ).toBe(2);
  });

  it('delivers at least once: a failed publication is retried from its first event, and the event id deduplicates', async () => {
    await place('o-1');
    await store.publish({
      actor: 'test',
      entities: [
        {
          id: 'o-2',
          type: 'Order',
          expectedVersion: 'new',
          events: [{ name: 'OrderPlaced', details: { order: 'o-2', email: 'o-2@example.com' } }],
        },
        {
          id: 'o-1',
          type: 'Order',
          expectedVersion: 1,
          events: [{ name: 'OrderCancelled', details: { order: 'o-1' } }],
        },
      ],
    });
    const deliveries: string[] = [];
    const outbox = new Map<string, string>();
    let failures = 1;
    const reactor = new Reactor({
      name: 'emails',
      store,
      storage: provider,
      retry: { attempts: 3, baseDelay: 1 },
      handlers: {
        OrderPlaced: (event) => {
          deliveries.push(event.id);
          outbox.set(event.id, `placed ${event.details.order}`);
        },
        OrderCancelled: (event) => {
          if (failures-- > 0) throw new Error('SMTP timeout');
          deliveries.push(event.id);
          outbox.set(event.id, `cancelled ${event.details.order}`);
        },
      },
    });

    await reactor.runUntilCaughtUp();

    // The second publication's OrderPlaced ran twice (before and after the failure)...
    expect(deliveries).toHaveLength(4);
    expect(new Set(deliveries).size).toBe(3);
    // ...and the outbox, keyed by event id, holds each email once.
    expect([...outbox.values()]).toEqual(['placed o-1', 'placed o-2', 'cancelled o-1']);
  });

  it('stops at an event whose handler keeps failing, and resumes there', async () => {
    await place('o-1');
    await place('o-2');
    let broken = true;
    const sent: string[] = [];
    const reactor = new Reactor({
      name: 'emails',
      store,
      storage: provider,
      retry: { attempts: 2, baseDelay: 1 },
      handlers: {
        OrderPlaced: (event) => {
          if (broken && event.details.order === 'o-2') throw new Error('mailbox full');
          sent.push(event.details.order);
        },
      },
    });

    await expect(reactor.runUntilCaughtUp()).rejects.toMatchObject({
      code: 'PROJECTION_FAILED',
      projector: 'emails',
      position: 2,
      eventName: 'OrderPlaced',
      attempts: 2,
    });
    expect(
      (await provider.readCheckpoint({ projector: 'emails', source: 'default' }))?.position,
    ).toBe(1);

    broken = false;
    await reactor.runUntilCaughtUp();
    expect(sent).toEqual(['o-1', 'o-2']);
  });
});
