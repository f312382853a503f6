/**
 * What a load reads: only the fold rows a fold needs, when the provider has
 * `readFoldRows`, and whole rows when it must (a command id to look for, a
 * point in the past by position or time) or the provider has no fold rows.
 */
import { SqliteProvider } from '@factline/sqlite';
import * as v from 'valibot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isFactlineError } from '../errors/factline-error.js';
import { defineEvent } from '../event/define-event.js';
import { defineEvents } from '../event/event-registry.js';
import type { EventRow, FoldRow, Provider } from '../provider/provider.js';
import { EventStore } from '../store/event-store.js';
import type { AggregateHandlers } from './aggregate-handlers.js';
import { AggregateRoot } from './aggregate-root.js';
import { foldAggregate } from './fold-aggregate.js';
import { Repository } from './repository.js';
import { Product, shopEvents } from './shop.fixture.js';

/** A SQLite provider that notes which of its reads of events ran. */
class CountingProvider extends SqliteProvider {
  readonly reads: string[] = [];

  override async readEntity(entityId: string, after: number, upTo: number): Promise<EventRow[]> {
    this.reads.push('readEntity');
    return super.readEntity(entityId, after, upTo);
  }

  override async readFoldRows(entityId: string, after: number, upTo: number): Promise<FoldRow[]> {
    this.reads.push('readFoldRows');
    return super.readFoldRows(entityId, after, upTo);
  }
}

/** The provider as a user's own might be: everything but `readFoldRows`. */
function withoutFoldRows(provider: Provider): Provider {
  return new Proxy(provider, {
    get(target, key) {
      if (key === 'readFoldRows') return undefined;
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const staff = { actor: 'staff:dana' };
let now: Date;
let provider: CountingProvider;
let store: EventStore<typeof shopEvents>;
let products: Repository<Product>;

/** The anvil: added at 09:00 (position 1), then one event an hour, positions 2–5. */
beforeEach(async () => {
  now = new Date('2024-03-01T09:00:00.000Z');
  provider = new CountingProvider({ database: ':memory:' });
  store = new EventStore({ provider, events: shopEvents, clock: () => now });
  await store.migrate();
  products = new Repository(store, Product);
  await products.create('anvil', (product) => product.add('Anvil'), staff);
  const commands: ((product: Product) => void)[] = [
    (product) => product.receive(5, 'delivery-1'),
    (product) => product.reserve('order-1', 2),
    (product) => product.receive(3),
    (product) => product.release('order-1'),
  ];
  for (const command of commands) {
    now = new Date(now.getTime() + 3_600_000);
    await products.update('anvil', command, staff);
  }
  provider.reads.length = 0;
});

afterEach(async () => {
  await store.close();
});

function stateOf(product: Product | undefined) {
  if (product === undefined) return undefined;
  const { id, version, name, available, applied, readOnly } = product;
  return {
    id,
    version,
    name,
    available,
    applied,
    readOnly,
    reservations: [...product.reservations],
  };
}

describe('Repository loads', () => {
  it('read only fold rows, and fold what the whole rows fold to', async () => {
    const loaded = await products.get('anvil');

    expect(provider.reads).toEqual(['readFoldRows']);
    const folded = foldAggregate(Product, 'anvil', await store.readEntity('anvil'));
    expect(stateOf(loaded)).toEqual(stateOf(folded));
    expect(stateOf(loaded)).toMatchObject({ version: 4, available: 8, applied: [0, 1, 2, 3, 4] });
  });

  it('as of a version read fold rows; as of a position or a time, whole rows', async () => {
    const asOfVersion = await products.get('anvil', { asOf: { version: 2 } });
    expect(provider.reads).toEqual(['readFoldRows']);
    expect(stateOf(asOfVersion)).toMatchObject({ version: 2, available: 3, readOnly: true });

    provider.reads.length = 0;
    const asOfPosition = await products.get('anvil', { asOf: { position: 3 } });
    const asOfTime = await products.get('anvil', {
      asOf: { time: new Date('2024-03-01T11:30:00.000Z') },
    });
    expect(provider.reads).toEqual(['readEntity', 'readEntity']);
    expect(stateOf(asOfPosition)).toEqual(stateOf(asOfVersion));
    expect(stateOf(asOfTime)).toEqual(stateOf(asOfVersion));
  });

  it('read whole rows for an update with a command id, which is looked for in their metadata', async () => {
    await products.update('anvil', (product) => product.receive(1), staff);
    expect(provider.reads).toEqual(['readFoldRows']);

    provider.reads.length = 0;
    const receive = (product: Product) => product.receive(1);
    const first = await products.update('anvil', receive, { ...staff, commandId: 'c-1' });
    const again = await products.update('anvil', receive, { ...staff, commandId: 'c-1' });
    expect(provider.reads).toEqual(['readEntity', 'readEntity']);
    expect([first.kind, again.kind]).toEqual(['saved', 'duplicate']);
    expect((await products.get('anvil')).available).toBe(10);
  });

  it('on a provider without readFoldRows, read whole rows and load the same aggregates', async () => {
    const plain = new Repository(
      new EventStore({ provider: withoutFoldRows(provider), events: shopEvents }),
      Product,
    );

    const points = [undefined, { version: 0 }, { version: 3 }];
    const expected = [];
    for (const asOf of points) expected.push(stateOf(await products.load('anvil', { asOf })));
    provider.reads.length = 0;

    const loaded = [];
    for (const asOf of points) loaded.push(stateOf(await plain.load('anvil', { asOf })));
    expect(loaded).toEqual(expected);
    expect(await plain.load('none')).toBeUndefined();
    // One read per load, the missing one's too: it starts beside the read of the entity row.
    expect(provider.reads).toEqual(['readEntity', 'readEntity', 'readEntity', 'readEntity']);
  });

  it('say an entity of another type is one, even when its events are not in the registry', async () => {
    const otherEvents = defineEvents({ Spun: v.object({ turns: v.number() }) });
    await new EventStore({ provider, events: otherEvents }).publish({
      actor: 'system',
      entities: [
        {
          id: 'wheel',
          type: 'Wheel',
          expectedVersion: 'new',
          events: [{ name: 'Spun', details: { turns: 3 } }],
        },
      ],
    });

    const error = await products.get('wheel').catch((caught: unknown) => caught);

    expect(isFactlineError(error, 'ENTITY_TYPE_MISMATCH')).toBe(true);
    expect(await products.load('none')).toBeUndefined();
  });
});

const CityV1 = v.object({ city: v.string() });
const CityV2 = v.object({ place: v.object({ city: v.string(), country: v.string() }) });

/** Moves when the event was new: a city. */
const movesAtV1 = defineEvents({ Moved: CityV1 });

/** Moves two releases on: a place; old rows are upcast, and a city named "?" cannot be. */
const movesAtV2 = defineEvents({
  Moved: defineEvent({
    versions: [CityV1, CityV2],
    upcasters: {
      1: ({ city }) => {
        if (city === '?') throw new Error('no such city');
        return { place: { city, country: 'unknown' } };
      },
    },
  }),
});

class Traveller extends AggregateRoot<typeof movesAtV2> {
  readonly type = 'Traveller';
  readonly events = movesAtV2;
  places: string[] = [];
  protected readonly handlers: AggregateHandlers<typeof movesAtV2> = {
    Moved: ({ place }) => {
      this.places.push(`${place.city}, ${place.country}`);
    },
  };

  move(city: string, country: string): void {
    this.raise('Moved', { place: { city, country } });
  }
}

describe('Repository loads of rows stored at an older schema version', () => {
  const writeOld = (cities: string[]) =>
    new EventStore({ provider, events: movesAtV1 }).publish({
      actor: 'system',
      entities: [
        {
          id: 'traveller',
          type: 'Traveller',
          expectedVersion: 'new',
          events: cities.map((city) => ({ name: 'Moved' as const, details: { city } })),
        },
      ],
    });

  it('upcast them, and fold them with the rows written since', async () => {
    await writeOld(['Bergen', 'Turku']);
    const travellers = new Repository(new EventStore({ provider, events: movesAtV2 }), Traveller);
    await travellers.update('traveller', (traveller) => traveller.move('Rome', 'Italy'), staff);

    expect((await travellers.get('traveller')).places).toEqual([
      'Bergen, unknown',
      'Turku, unknown',
      'Rome, Italy',
    ]);
    expect((await travellers.get('traveller', { asOf: { version: 0 } })).places).toEqual([
      'Bergen, unknown',
    ]);
  });

  it('throw the UpcastError a whole read throws, naming the event', async () => {
    await writeOld(['Bergen', '?']);
    const movesStore = new EventStore({ provider, events: movesAtV2 });
    const [, stored] = await new EventStore({ provider, events: movesAtV1 }).readEntity(
      'traveller',
    );

    const error = await new Repository(movesStore, Traveller)
      .get('traveller')
      .catch((caught: unknown) => caught);

    expect(isFactlineError(error, 'UPCAST') && [error.failure, error.eventId]).toEqual([
      'upcaster-threw',
      stored?.id,
    ]);
  });
});
