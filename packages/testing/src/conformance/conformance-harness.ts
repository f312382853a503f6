import type { JsonValue, Provider } from '@factline/core';

/** A value that survives `JSON.stringify` and `JSON.parse` unchanged (core's type). */
export type { JsonValue };

/**
 * How writer processes reach the harness's store. The suite starts several
 * `node` processes for the tests that need real concurrency (a synchronous
 * driver such as better-sqlite3 cannot race with itself in one process);
 * each imports `module` and calls its `connect(config)`.
 */
export interface ConformanceWorker {
  /**
   * Absolute path or `file:` URL of a module that exports
   * {@link ConformanceWorkerModule}'s `connect`. A `.ts` module is loaded
   * through tsx unless `execArgv` says otherwise.
   */
  readonly module: string;
  /** Given to `connect` in every writer process: a path, a connection string… */
  readonly config: JsonValue;
  /**
   * Node options for the writer processes. By default `--import <tsx>` when
   * the module or the suite itself is TypeScript, else none.
   */
  readonly execArgv?: readonly string[];
}

/** What a {@link ConformanceWorker}'s module must export. */
export interface ConformanceWorkerModule {
  /**
   * Opens a new connection (or pool) to the store described by `config`.
   * The suite migrates it itself, sometimes concurrently with other writers,
   * and closes it.
   *
   * @param config The worker's `config`, after a JSON round trip.
   * @returns The provider.
   */
  connect(config: JsonValue): Promise<Provider>;
}

/**
 * One fresh, empty store for one conformance test, and the ways to reach it.
 *
 * The suite creates a harness per test, opens as many connections as it
 * needs (in this process and in writer processes), closes every provider it
 * opened, then calls `cleanup`.
 *
 * @example
 * ```ts
 * describeProviderConformance('my-db', async () => {
 *   const database = await createEmptyDatabase();
 *   return {
 *     connect: async () => {
 *       const provider = new MyProvider({ url: database.url });
 *       await provider.migrate();
 *       return provider;
 *     },
 *     worker: { module: new URL('./my-worker.ts', import.meta.url).href, config: database.url },
 *     cleanup: () => database.drop(),
 *   };
 * });
 * ```
 */
export interface ConformanceHarness {
  /**
   * Opens a new, independent connection (or pool) to the harness's store,
   * migrated. Each call must return a distinct provider, as a second
   * application process would have.
   */
  connect(): Promise<Provider>;
  /** How writer processes connect to the same store. */
  readonly worker: ConformanceWorker;
  /**
   * For a provider that is also a `ProjectionStorage`: how to write a row of
   * a read model inside its transaction, so the suite can check that
   * read-model writes and checkpoints commit and roll back together.
   */
  readonly readModel?: ConformanceReadModel;
  /** Drops the store; called after the test, once every provider is closed. */
  cleanup(): Promise<void>;
}

/**
 * A one-table read model in the provider's database, written through the
 * transaction handle its `commitCheckpoint` gives to work.
 */
export interface ConformanceReadModel {
  /**
   * Inserts `value` in the read-model table, inside `transaction`. Return
   * nothing (not a promise) when the provider's transactions are synchronous.
   */
  write(transaction: unknown, value: string): void | Promise<void>;
  /** The values committed so far, in insertion order, read through `provider`. */
  read(provider: Provider): Promise<string[]>;
  /** Creates the read-model table, before the test. */
  create?(provider: Provider): Promise<void>;
}
