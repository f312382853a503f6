import { SqliteProvider } from '@factline/sqlite';
import * as v from 'valibot';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isFactlineError } from '../errors/factline-error.js';
import { defineEvents } from '../event/event-registry.js';
import type { Provider, SnapshotRow } from '../provider/provider.js';
import { EventStore } from '../store/event-store.js';
import { foldAggregate } from './fold-aggregate.js';
import { Repository } from './repository.js';
import { Product, shopEvents } from './shop.fixture.js';
import type { SnapshotFailure, SnapshotPolicy, Snapshottable } from './snapshot-policy.js';

/** The state a snapshotted product writes; `applied` is left out on purpose. */
type ProductState = {
  readonly name: string;
  readonly available: number;
  readonly reservations: readonly (readonly [string, number])[];
};

/** A product snapshotted after every third event. */
class SnapshottedProduct extends Product implements Snapshottable<ProductState> {
  static readonly snapshot: SnapshotPolicy = { every: 3, version: 1 };

  toSnapshot(): ProductState {
    return { name: this.name, available: this.available, reservations: [...this.reservations] };
  }

  fromSnapshot(state: ProductState): void {
    this.name = state.name;
    this.available = state.available;
    for (const [orderId, quantity] of state.reservations) this.reservations.set(orderId, quantity);
  }
}

/** The same product with a new snapshot format. */
class ProductV2 extends SnapshottedProduct {
  static override readonly snapshot: SnapshotPolicy = { every: 3, version: 2 };
}

/** A product whose snapshots cannot be restored. */
class BrokenProduct extends SnapshottedProduct {
  override fromSnapshot(): void {
    throw new Error('cannot restore');
  }
}

/** A provider whose snapshot writes fail. */
class FailingSnapshots extends SqliteProvider {
  override async writeSnapshot(): Promise<void> {
    throw new Error('snapshot disk full');
  }
}

/** The provider without the optional snapshot methods, as a user's own might be. */
function withoutSnapshots(provider: Provider): Provider {
  return {
    name: 'plain',
    migrate: () => provider.migrate(),
    publish: (publication) => provider.publish(publication),
    readEntity: (id, after, upTo) => provider.readEntity(id, after, upTo),
    readPositions: (after, count) => provider.readPositions(after, count),
    headPosition: () => provider.headPosition(),
    getEntity: (id) => provider.getEntity(id),
    close: () => provider.close(),
  };
}

const staff = { actor: 'staff:dana' };
let store: EventStore<typeof shopEvents>;
let failures: [unknown, SnapshotFailure][];
const onSnapshotError = (error: unknown, failure: SnapshotFailure) => {
  failures.push([error, failure]);
};

function stateOf(product: Product) {
  return {
    id: product.id,
    version: product.version,
    name: product.name,
    available: product.available,
    reservations: [...product.reservations],
  };
}

/** Saves one event per call until the product is at `version`. */
async function growTo(repository: Repository<Product>, id: string, version: number) {
  if ((await repository.load(id)) === undefined) {
    await repository.create(id, (product) => product.add('Anvil'), staff);
  }
  for (let current = (await repository.get(id)).version; current < version; current++) {
    await repository.update(
      id,
      (product) =>
        current % 2 === 0 ? product.receive(current + 1) : product.reserve(`order-${current}`, 1),
      staff,
    );
  }
}

/**
 * SQLite as a provider without the optional `readSnapshotAndTail` is: loads
 * read the entity, the snapshot and the tail apart.
 */
function withoutSnapshotAndTail<TProvider extends Provider>(provider: TProvider): TProvider {
  Object.defineProperty(provider, 'readSnapshotAndTail', { value: undefined });
  return provider;
}

/** The two ways a load reads a snapshot and the events after it; every test runs with both. */
const readings = [
  { reads: 'in one call', open: <TProvider extends Provider>(provider: TProvider) => provider },
  { reads: 'in separate reads', open: withoutSnapshotAndTail },
];

describe.each(readings)('Repository with snapshots, read $reads', ({ open }) => {
  beforeEach(async () => {
    failures = [];
    store = new EventStore({
      provider: open(new SqliteProvider({ database: ':memory:' })),
      events: shopEvents,
      clock: () => new Date('2025-05-01T10:00:00.000Z'),
    });
    await store.migrate();
  });

  afterEach(async () => {
    await store.close();
  });

  it('loads from the latest snapshot and the events after it, to the same state as the full fold', async () => {
    const products = new Repository(store, SnapshottedProduct, { onSnapshotError });
    await growTo(products, 'anvil', 7);

    const snapshot = await store.readSnapshot('anvil');
    const loaded = await products.get('anvil');
    const folded = foldAggregate(Product, 'anvil', await store.readEntity('anvil'));

    expect(snapshot).toMatchObject({ entityId: 'anvil', type: 'Product', version: 5 });
    expect(snapshot?.takenAt).toEqual(new Date('2025-05-01T10:00:00.000Z'));
    expect(stateOf(loaded)).toEqual(stateOf(folded));
    // Only the tail went through the handlers.
    expect(loaded.applied).toEqual([6, 7]);
    expect(folded.applied).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(failures).toEqual([]);
  });

  it('loads from a snapshot with no events after it, and goes on saving from there', async () => {
    const products = new Repository(store, SnapshottedProduct, { onSnapshotError });
    await growTo(products, 'anvil', 5);

    const loaded = await products.get('anvil');
    expect(loaded.version).toBe(5);
    expect(loaded.applied).toEqual([]);
    expect(await products.update('anvil', (product) => product.receive(1), staff)).toMatchObject({
      kind: 'saved',
      version: 6,
    });
    expect(stateOf(await products.get('anvil'))).toEqual(
      stateOf(foldAggregate(Product, 'anvil', await store.readEntity('anvil'))),
    );
  });

  it('writes a snapshot only when a save crosses a multiple of `every`', async () => {
    const products = new Repository(store, SnapshottedProduct, { onSnapshotError });
    const taken: (number | undefined)[] = [];
    for (let version = 0; version <= 6; version++) {
      await growTo(products, 'anvil', version);
      taken.push((await store.readSnapshot('anvil'))?.version);
    }
    expect(taken).toEqual([undefined, undefined, 2, 2, 2, 5, 5]);

    // One save of three events jumps from 6 events to 9: past a multiple, so one snapshot at 9.
    await products.update(
      'anvil',
      (product) => {
        product.receive(1);
        product.receive(2);
        product.receive(3);
      },
      staff,
    );
    expect((await store.readSnapshot('anvil'))?.version).toBe(9);
    expect(failures).toEqual([]);
  });

  it('takes snapshots of the aggregates of a saveAll whose classes declare a policy', async () => {
    const products = new Repository(store, Product);
    const snapshotted = new SnapshottedProduct('snapshotted');
    const plain = new Product('plain');
    for (const product of [snapshotted, plain]) {
      product.add('Anvil');
      product.receive(1);
      product.receive(2);
    }

    await products.saveAll([snapshotted, plain], staff);

    expect((await store.readSnapshot('snapshotted'))?.version).toBe(2);
    expect(await store.readSnapshot('plain')).toBeUndefined();
  });

  it('ignores a snapshot of another policy version, or of another type, and folds from the start', async () => {
    await growTo(new Repository(store, SnapshottedProduct), 'anvil', 4);
    expect((await store.readSnapshot('anvil'))?.schemaVersion).toBe(1);

    const v2 = await new Repository(store, ProductV2, { onSnapshotError }).get('anvil');
    expect(v2.applied).toEqual([0, 1, 2, 3, 4]);
    expect(stateOf(v2)).toEqual(
      stateOf(foldAggregate(Product, 'anvil', await store.readEntity('anvil'))),
    );

    await store.writeSnapshot({
      entityId: 'anvil',
      type: 'Tool',
      version: 3,
      schemaVersion: 1,
      state: { wrong: true },
    });
    const other = await new Repository(store, SnapshottedProduct).get('anvil');
    expect(other.applied).toEqual([0, 1, 2, 3, 4]);
    expect(failures).toEqual([]);
  });

  it('replaces a snapshot of an old policy version with one of the new version at the next interval', async () => {
    await growTo(new Repository(store, SnapshottedProduct), 'anvil', 2);
    const v2 = new Repository(store, ProductV2, { onSnapshotError });
    await growTo(v2, 'anvil', 5);

    expect(await store.readSnapshot('anvil')).toMatchObject({ version: 5, schemaVersion: 2 });
    expect((await v2.get('anvil')).applied).toEqual([]);
  });

  it('ignores snapshots when it loads as of a point in the past', async () => {
    const products = new Repository(store, SnapshottedProduct);
    await growTo(products, 'anvil', 7);

    const past = await products.get('anvil', { asOf: { version: 6 } });
    const before = await products.get('anvil', { asOf: { version: 3 } });

    expect(past.applied).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(before.applied).toEqual([0, 1, 2, 3]);
    expect(stateOf(before)).toEqual(
      stateOf(foldAggregate(Product, 'anvil', await store.readEntity('anvil', { upTo: 3 }))),
    );
  });

  it('saves when writing the snapshot fails, and tells onSnapshotError', async () => {
    const failing = new EventStore({
      provider: open(new FailingSnapshots({ database: ':memory:' })),
      events: shopEvents,
    });
    await failing.migrate();
    const products = new Repository(failing, SnapshottedProduct, { onSnapshotError });

    const created = await products.create(
      'anvil',
      (product) => {
        product.add('Anvil');
        product.receive(1);
        product.receive(2);
      },
      staff,
    );

    expect(created).toMatchObject({ kind: 'saved', version: 2 });
    expect((await failing.readEntity('anvil')).length).toBe(3);
    expect(failures).toHaveLength(1);
    const [error, failure] = failures[0] as [unknown, SnapshotFailure];
    expect(failure).toEqual({ operation: 'write', type: 'Product', id: 'anvil', version: 2 });
    expect(isFactlineError(error, 'PROVIDER')).toBe(true);
    expect((error as Error & { cause: Error }).cause.message).toBe('snapshot disk full');
    await failing.close();
  });

  it('reports a failed snapshot write as a process warning when there is no onSnapshotError', async () => {
    const failing = new EventStore({
      provider: open(new FailingSnapshots({ database: ':memory:' })),
      events: shopEvents,
    });
    await failing.migrate();
    const warnings: Error[] = [];
    const listener = (warning: Error) => warnings.push(warning);
    process.on('warning', listener);
    try {
      const products = new Repository(failing, SnapshottedProduct);
      await growTo(products, 'anvil', 2);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', listener);
      await failing.close();
    }
    expect(warnings.map((warning) => (warning as Error & { code?: string }).code)).toEqual([
      'FACTLINE_SNAPSHOT_ERROR',
    ]);
    expect(warnings[0]?.message).toMatch(/write a snapshot of Product "anvil" at version 2/);
  });

  it('saves when the state cannot be serialised, and tells onSnapshotError', async () => {
    class NotJson extends SnapshottedProduct {
      override toSnapshot(): ProductState {
        return { ...super.toSnapshot(), available: Number.NaN };
      }
    }
    const products = new Repository(store, NotJson, { onSnapshotError });
    await growTo(products, 'anvil', 2);

    expect(await store.readSnapshot('anvil')).toBeUndefined();
    expect(failures.map(([error, failure]) => [isFactlineError(error), failure.operation])).toEqual(
      [[true, 'write']],
    );
  });

  it('folds from the start when a snapshot cannot be restored, and tells onSnapshotError', async () => {
    await growTo(new Repository(store, SnapshottedProduct), 'anvil', 3);
    const broken = await new Repository(store, BrokenProduct, { onSnapshotError }).get('anvil');

    expect(broken.applied).toEqual([0, 1, 2, 3]);
    expect(broken.available).toBe(
      foldAggregate(Product, 'anvil', await store.readEntity('anvil')).available,
    );
    expect(failures.map(([, failure]) => failure)).toEqual([
      { operation: 'read', type: 'Product', id: 'anvil', version: 2 },
    ]);
  });

  it('folds from the start on a provider without snapshots', async () => {
    const plain = new EventStore({
      provider: withoutSnapshots(new SqliteProvider({ database: ':memory:' })),
      events: shopEvents,
    });
    await plain.migrate();
    const products = new Repository(plain, SnapshottedProduct, { onSnapshotError });

    await growTo(products, 'anvil', 4);

    expect(plain.supportsSnapshots).toBe(false);
    expect(await plain.readSnapshot('anvil')).toBeUndefined();
    expect(
      await plain.writeSnapshot({
        entityId: 'anvil',
        type: 'Product',
        version: 4,
        schemaVersion: 1,
        state: null,
      }),
    ).toBe(false);
    expect((await products.get('anvil')).applied).toEqual([0, 1, 2, 3, 4]);
    expect(failures).toEqual([]);
    await plain.close();
  });

  it('refuses a class whose snapshot policy is not two integers >= 1, or that lacks the methods', async () => {
    class Every0 extends SnapshottedProduct {
      static override readonly snapshot: SnapshotPolicy = { every: 0, version: 1 };
    }
    class VersionHalf extends SnapshottedProduct {
      static override readonly snapshot: SnapshotPolicy = { every: 10, version: 1.5 };
    }
    class NoMethods extends Product {
      static readonly snapshot: SnapshotPolicy = { every: 10, version: 1 };
    }
    for (const aggregateClass of [Every0, VersionHalf]) {
      let thrown: unknown;
      try {
        new Repository(store, aggregateClass);
      } catch (error) {
        thrown = error;
      }
      expect(isFactlineError(thrown, 'INVALID_ARGUMENT'), aggregateClass.name).toBe(true);
    }
    await growTo(new Repository(store, Product), 'anvil', 1);
    await expect(new Repository(store, NoMethods).get('anvil')).rejects.toThrow(
      /NoMethods declares a snapshot policy/,
    );
  });

  it('folds from the start past a snapshot ahead of the entity, or one whose state is not JSON (told)', async () => {
    const products = new Repository(store, SnapshottedProduct, { onSnapshotError });
    await growTo(products, 'anvil', 4);
    const provider = store.provider as SqliteProvider;
    const row = { entityId: 'anvil', type: 'Product', schemaVersion: 1, takenAt: 1 };

    await provider.writeSnapshot({ ...row, version: 40, state: '{"name":"Later"}' });
    expect((await products.get('anvil')).applied).toEqual([0, 1, 2, 3, 4]);
    expect(failures).toEqual([]);

    await provider.writeSnapshot({ ...row, version: 41, state: '{"name":' });
    const loaded = await products.get('anvil');
    expect(loaded.applied).toEqual([0, 1, 2, 3, 4]);
    expect(stateOf(loaded)).toEqual(
      stateOf(foldAggregate(Product, 'anvil', await store.readEntity('anvil'))),
    );
    expect(failures.map(([error, failure]) => [error instanceof SyntaxError, failure])).toEqual([
      [true, { operation: 'read', type: 'Product', id: 'anvil', version: undefined }],
    ]);
  });

  it('loads nothing for an entity without events, and refuses one of another type before reading its events', async () => {
    const products = new Repository(store, SnapshottedProduct, { onSnapshotError });
    await (store.provider as SqliteProvider).writeSnapshot({
      entityId: 'ghost',
      type: 'Product',
      version: 2,
      schemaVersion: 1,
      state: '{"name":"Ghost","available":0,"reservations":[]}',
      takenAt: 1,
    });
    expect(await products.load('ghost')).toBeUndefined();
    expect(await products.load('nobody')).toBeUndefined();

    const tools = new EventStore({
      provider: store.provider,
      events: defineEvents({ ToolForged: v.object({ name: v.string() }) }),
    });
    const forged = { name: 'ToolForged' as const, details: { name: 'Hammer' } };
    await tools.publish({
      actor: 'smith',
      entities: [{ id: 'hammer', type: 'Tool', expectedVersion: 'new', events: [forged] }],
    });
    await expect(products.load('hammer')).rejects.toSatisfy((error) =>
      isFactlineError(error, 'ENTITY_TYPE_MISMATCH'),
    );

    // An event the registry does not declare, after the snapshot: the load fails.
    await growTo(products, 'anvil', 3);
    await tools.publish({
      actor: 'smith',
      entities: [{ id: 'anvil', type: 'Product', expectedVersion: 3, events: [forged] }],
    });
    await expect(products.load('anvil')).rejects.toSatisfy((error) =>
      isFactlineError(error, 'UNKNOWN_EVENT'),
    );
    expect(failures).toEqual([]);
  });

  it('gives EventStore.readSnapshot the row the provider stored, parsed', async () => {
    const provider = store.provider as SqliteProvider;
    const row: SnapshotRow = {
      entityId: 'raw',
      type: 'Product',
      version: 10,
      schemaVersion: 4,
      state: '{"a":[1,"two",null]}',
      takenAt: 1.25,
    };
    await provider.writeSnapshot(row);

    expect(await store.readSnapshot('raw')).toEqual({
      entityId: 'raw',
      type: 'Product',
      version: 10,
      schemaVersion: 4,
      state: { a: [1, 'two', null] },
      takenAt: new Date('1970-01-02T06:00:00.000Z'),
    });
  });
});

/** Counts the calls a store makes to its provider, by method. */
function counted(provider: Provider): { provider: Provider; calls: string[] } {
  const calls: string[] = [];
  const proxy = new Proxy(provider, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        calls.push(String(property));
        return value.apply(target, args);
      };
    },
  });
  return { provider: proxy, calls };
}

/** A provider whose one-call read fails, as when its role may not read the Snapshots table. */
class NoSnapshotGrant extends SqliteProvider {
  override async readSnapshotAndTail(): Promise<never> {
    throw new Error('permission denied for table Snapshots');
  }
}

describe('Repository with snapshots, on a provider that reads them in one call', () => {
  beforeEach(() => {
    failures = [];
  });

  it('loads with that one call and no other read', async () => {
    const { provider, calls } = counted(new SqliteProvider({ database: ':memory:' }));
    const counting = new EventStore({ provider, events: shopEvents });
    await counting.migrate();
    const products = new Repository(counting, SnapshottedProduct, { onSnapshotError });
    await growTo(products, 'anvil', 7);

    calls.length = 0;
    const loaded = await products.get('anvil');
    expect(calls).toEqual(['readSnapshotAndTail']);
    expect(loaded.applied).toEqual([6, 7]);

    // Without a snapshot, the call reads every event.
    await growTo(products, 'new', 1);
    calls.length = 0;
    expect((await products.get('new')).applied).toEqual([0, 1]);
    expect(calls).toEqual(['readSnapshotAndTail']);
    await counting.close();
  });

  it('folds from the first event when that call fails, and tells onSnapshotError', async () => {
    const failing = new EventStore({
      provider: new NoSnapshotGrant({ database: ':memory:' }),
      events: shopEvents,
    });
    await failing.migrate();
    const products = new Repository(failing, SnapshottedProduct, { onSnapshotError });
    await growTo(new Repository(failing, Product), 'anvil', 3);

    expect((await products.get('anvil')).applied).toEqual([0, 1, 2, 3]);
    expect(await products.load('nobody')).toBeUndefined();
    expect(failures.map(([error, failure]) => [(error as Error).message, failure])).toEqual([
      [
        'permission denied for table Snapshots',
        { operation: 'read', type: 'Product', id: 'anvil', version: undefined },
      ],
      [
        'permission denied for table Snapshots',
        { operation: 'read', type: 'Product', id: 'nobody', version: undefined },
      ],
    ]);
    await failing.close();
  });

  it('fails the load with the error of the fold from the first event when that fails too', async () => {
    class Unreachable extends NoSnapshotGrant {
      override async getEntity(): Promise<never> {
        throw new Error('connection lost');
      }
    }
    const failing = new EventStore({
      provider: new Unreachable({ database: ':memory:' }),
      events: shopEvents,
    });
    await failing.migrate();
    const products = new Repository(failing, SnapshottedProduct, { onSnapshotError });

    const error = await products.get('anvil').catch((thrown: unknown) => thrown);
    expect(isFactlineError(error, 'PROVIDER')).toBe(true);
    expect((error as Error & { cause: Error }).cause.message).toBe('connection lost');
    expect(failures).toEqual([]);
    await failing.close();
  });
});
