import { EventStore, type Provider } from '@factline/core';
import { afterEach, beforeEach } from 'vitest';
import { type ConformanceStore, conformanceEvents } from './conformance-events.js';
import type { ConformanceHarness } from './conformance-harness.js';
import { WriterGroup } from './writer-group.js';
import type { WriterTask } from './writer-protocol.js';

/** How long a conformance test or hook may take, whatever the project's vitest config says. */
export const conformanceTimeout = 60_000;

/** What a conformance test works with: a fresh store, and ways to reach it. */
export interface ConformanceWorld {
  /** The current test's harness: a fresh, empty store. */
  readonly harness: ConformanceHarness;
  /**
   * Opens an event store on a new connection; closed after the test.
   *
   * @param options `clock`, to stamp events with chosen times.
   */
  store(options?: { clock?: () => Date }): Promise<ConformanceStore>;
  /**
   * Opens a provider on a new connection, migrated; closed after the test.
   */
  connect(): Promise<Provider>;
  /**
   * Starts one writer process per task; killed after the test if still running.
   *
   * @param tasks What each process does.
   */
  startWriters(tasks: readonly WriterTask[]): WriterGroup;
}

/**
 * Gives each test of the enclosing `describe` a fresh harness, and after it
 * closes every provider and process the test opened, then cleans up.
 *
 * @param createHarness Makes a harness for a fresh, empty store.
 * @returns The world of the current test.
 */
export function useConformanceWorld(
  createHarness: () => Promise<ConformanceHarness>,
): ConformanceWorld {
  let harness: ConformanceHarness | undefined;
  let providers: Provider[] = [];
  let groups: WriterGroup[] = [];

  // Creating and dropping a database on a server can take a while.
  beforeEach(async () => {
    harness = await createHarness();
  }, conformanceTimeout);

  afterEach(async () => {
    for (const group of groups) group.kill();
    const closing = await Promise.allSettled(providers.map((provider) => provider.close()));
    groups = [];
    providers = [];
    const current = harness;
    harness = undefined;
    await current?.cleanup();
    for (const result of closing) if (result.status === 'rejected') throw result.reason;
  }, conformanceTimeout);

  const current = (): ConformanceHarness => {
    if (harness === undefined)
      throw new Error('The conformance world is only there inside a test.');
    return harness;
  };

  const connect = async (): Promise<Provider> => {
    const provider = await current().connect();
    providers.push(provider);
    return provider;
  };

  return {
    get harness() {
      return current();
    },
    connect,
    async store(options = {}) {
      return new EventStore({ provider: await connect(), events: conformanceEvents, ...options });
    },
    startWriters(tasks) {
      const group = new WriterGroup(current().worker, tasks);
      groups.push(group);
      return group;
    },
  };
}
