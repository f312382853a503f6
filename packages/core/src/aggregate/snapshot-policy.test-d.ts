import { describe, expectTypeOf, it } from 'vitest';
import type { JsonValue } from '../event/json-schema-of.js';
import type { Provider, SnapshotRow } from '../provider/provider.js';
import { EventStore } from '../store/event-store.js';
import type { Snapshot } from '../store/snapshot.js';
import type { RepositoryConfig } from './repository-config.js';
import { Product, shopEvents } from './shop.fixture.js';
import type { SnapshotFailure, SnapshotPolicy, Snapshottable } from './snapshot-policy.js';

type State = { available: number };

class SnapshottedProduct extends Product implements Snapshottable<State> {
  static readonly snapshot: SnapshotPolicy = { every: 50, version: 1 };
  toSnapshot(): State {
    return { available: this.available };
  }
  fromSnapshot(state: State): void {
    this.available = state.available;
  }
}

declare const provider: Provider;

describe('snapshot types', () => {
  it('keeps the snapshot methods of Provider optional, so existing providers still compile', () => {
    const plain: Provider = {
      name: 'plain',
      migrate: async () => undefined,
      publish: async () => ({ kind: 'published', position: 1, versions: [] }),
      readEntity: async () => [],
      readPositions: async () => [],
      headPosition: async () => 0,
      getEntity: async () => undefined,
      close: async () => undefined,
    };
    expectTypeOf(plain.readSnapshot).toEqualTypeOf<
      ((entityId: string) => Promise<SnapshotRow | undefined>) | undefined
    >();
    expectTypeOf<SnapshotRow['state']>().toEqualTypeOf<string>();
  });

  it('types the state a snapshottable aggregate writes and restores', () => {
    expectTypeOf(new SnapshottedProduct('p').toSnapshot()).toEqualTypeOf<State>();
    expectTypeOf(SnapshottedProduct.snapshot).toEqualTypeOf<SnapshotPolicy>();
    expectTypeOf<Snapshottable['toSnapshot']>().returns.toEqualTypeOf<JsonValue>();
    // @ts-expect-error: a snapshottable aggregate has both methods.
    const _half: Snapshottable<State> = { toSnapshot: () => ({ available: 1 }) };
  });

  it('gives the store a parsed snapshot and the hook a typed failure', () => {
    const store = new EventStore({ provider, events: shopEvents });
    expectTypeOf(store.readSnapshot('p')).resolves.toEqualTypeOf<Snapshot | undefined>();
    expectTypeOf(store.writeSnapshot).parameter(0).toHaveProperty('state').toEqualTypeOf<unknown>();
    expectTypeOf<NonNullable<RepositoryConfig['onSnapshotError']>>()
      .parameter(1)
      .toEqualTypeOf<SnapshotFailure>();
    expectTypeOf<SnapshotFailure['operation']>().toEqualTypeOf<'read' | 'write'>();
  });
});
