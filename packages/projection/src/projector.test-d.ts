import { defineEvents, EventStore } from '@factline/core';
import { type SqliteDatabase, SqliteProvider } from '@factline/sqlite';
import * as v from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import { Projector } from './projector.js';
import { Reactor } from './reactor.js';

const events = defineEvents({
  StockReceived: v.object({ sku: v.string(), quantity: v.number() }),
  OrderPlaced: v.object({ order: v.string() }),
});
const provider = new SqliteProvider({ database: ':memory:' });
const store = new EventStore({ provider, events });

describe('Projector types', () => {
  it('types each handler by its event name and the storage transaction', () => {
    new Projector({
      name: 'typed',
      store,
      storage: provider,
      handlers: {
        StockReceived: (event, db) => {
          expectTypeOf(event.name).toEqualTypeOf<'StockReceived'>();
          expectTypeOf(event.details).toEqualTypeOf<{ sku: string; quantity: number }>();
          expectTypeOf(db).toEqualTypeOf<SqliteDatabase>();
        },
      },
    });
  });

  it('makes a handler for an undeclared event name a compile error', () => {
    new Projector({
      name: 'typo',
      store,
      storage: provider,
      handlers: {
        // @ts-expect-error: no event is called StockRecieved
        StockRecieved: () => undefined,
      },
    });
    new Reactor({
      name: 'typo',
      store,
      storage: provider,
      handlers: {
        // @ts-expect-error: no event is called OrderPlace
        OrderPlace: () => undefined,
      },
    });
  });

  it('makes reading a detail the event does not have a compile error', () => {
    new Reactor({
      name: 'details',
      store,
      storage: provider,
      handlers: {
        OrderPlaced: (event) => {
          // @ts-expect-error: OrderPlaced has no quantity
          event.details.quantity;
        },
      },
    });
  });
});
