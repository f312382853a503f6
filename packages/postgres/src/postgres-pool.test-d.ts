import { defineEvents, EventStore, type InlineProjection } from '@factline/core';
import type pg from 'pg';
import * as v from 'valibot';
import { describe, expectTypeOf, it } from 'vitest';
import type { PostgresClient, PostgresPool, PostgresTransaction } from './postgres-pool.js';
import { PostgresProvider } from './postgres-provider.js';

describe('PostgresPool', () => {
  it('is met by pg’s own pool, its clients, and a transaction handle by both', () => {
    expectTypeOf<pg.Pool>().toExtend<PostgresPool>();
    expectTypeOf<pg.PoolClient>().toExtend<PostgresClient>();
    expectTypeOf<pg.PoolClient>().toExtend<PostgresTransaction>();
  });

  it('gives handlers a transaction they query with text and values', () => {
    const events = defineEvents({ Shipped: v.object({ sku: v.string() }) });
    const provider = new PostgresProvider({ connectionString: 'postgres://localhost/x' });
    const stock: InlineProjection<typeof events, PostgresTransaction> = {
      name: 'stock',
      handlers: {
        Shipped: async (event, tx) => {
          const result = await tx.query('UPDATE stock SET n = n - 1 WHERE sku = $1', [
            event.details.sku,
          ]);
          expectTypeOf(result.rowCount).toEqualTypeOf<number | null>();
        },
      },
    };
    new EventStore({ provider, events, inline: [stock] });
  });
});
