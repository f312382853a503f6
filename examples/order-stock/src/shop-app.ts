/**
 * The whole shop, wired: the event store on one database, the commands, the
 * two read models' projectors and the confirmation emails' reactor. The
 * scenario, the HTTP server and the tests all start from here.
 */
import { EventStore, type RetryPolicy } from '@factline/core';
import type {
  CatchUpResult,
  ProjectorLag,
  ProjectorStatus,
  RunOptions,
} from '@factline/projection';
import type { ShopDatabase } from './database/shop-database.js';
import { type ShopStore, shopEvents } from './domain/shop-events.js';
import { confirmationEmailsReactor } from './email/confirmation-emails-reactor.js';
import type { EmailTransport } from './email/email-transport.js';
import { customerOrdersProjector } from './read-models/customer-orders-projector.js';
import type { ReadModels } from './read-models/read-models.js';
import { stockLevelsProjector } from './read-models/stock-levels-projector.js';
import { Shop } from './shop.js';

/** What the app needs of a projector or a reactor: run it, stop it, watch it. */
export interface Runner {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  runUntilCaughtUp(): Promise<CatchUpResult>;
  status(): ProjectorStatus;
  lag(): Promise<ProjectorLag>;
}

/** How to open the shop. */
export interface ShopAppConfig<TTransaction> {
  /** Where everything is kept. */
  readonly database: ShopDatabase<TTransaction>;
  /** Where confirmation emails go. */
  readonly transport: EmailTransport;
  /** The commands' retry policy on conflicts. */
  readonly retry?: RetryPolicy;
  /** The projectors' and the reactor's options: poll interval, handler retries, hooks. */
  readonly runners?: RunOptions;
}

/** A projector's state and lag, for `/projectors` and the scenario. */
export interface RunnerReport {
  readonly name: string;
  readonly state: ProjectorStatus['state'];
  /** The last position it finished. */
  readonly position: number;
  /** Publications it has still to handle, and how old the oldest is. */
  readonly lag: ProjectorLag;
  readonly eventsPerSecond: number;
  /** Why it stopped, when it failed. */
  readonly error?: string;
}

/** The shop, open on one database. */
export class ShopApp {
  readonly store: ShopStore;
  readonly shop: Shop;
  /** The read models' queries. */
  readonly readModels: Pick<ReadModels<unknown>, 'stockLevels' | 'stockLevel' | 'customerOrders'>;
  readonly stockLevels: Runner;
  readonly customerOrders: Runner;
  readonly confirmationEmails: Runner;
  readonly transport: EmailTransport;
  readonly description: string;
  readonly #running = new Map<string, Promise<void>>();

  private constructor(
    config: ShopAppConfig<unknown>,
    store: ShopStore,
    shop: Shop,
    runners: readonly [Runner, Runner, Runner],
  ) {
    this.store = store;
    this.shop = shop;
    this.readModels = config.database.readModels;
    [this.stockLevels, this.customerOrders, this.confirmationEmails] = runners;
    this.transport = config.transport;
    this.description = config.database.description;
  }

  /**
   * Opens the shop: creates or upgrades the event store's tables and the
   * read models'. Nothing runs until `start()`.
   *
   * @param config The database, the email transport, options.
   * @returns The shop.
   */
  static async open<TTransaction>(config: ShopAppConfig<TTransaction>): Promise<ShopApp> {
    const { provider, readModels } = config.database;
    const store: ShopStore = new EventStore({ provider, events: shopEvents });
    await store.migrate();
    await readModels.migrate();
    const shop = new Shop(store, { retry: config.retry });
    const options = config.runners ?? {};
    return new ShopApp(config as ShopAppConfig<unknown>, store, shop, [
      stockLevelsProjector(store, provider, readModels, options),
      customerOrdersProjector(store, provider, readModels, options),
      confirmationEmailsReactor(store, provider, shop, config.transport, options),
    ]);
  }

  /** The projectors and the reactor. */
  get runners(): readonly Runner[] {
    return [this.stockLevels, this.customerOrders, this.confirmationEmails];
  }

  /**
   * Starts the projectors and the reactor: they catch up, then follow new
   * events. One that fails stops, and `onFailure` hears why.
   *
   * @param onFailure Told when a runner stops with an error.
   */
  start(onFailure: (runner: Runner, error: unknown) => void = reportFailure): void {
    for (const runner of this.runners) {
      if (this.#running.has(runner.name)) continue;
      const running = runner.start().catch((error: unknown) => onFailure(runner, error));
      this.#running.set(runner.name, running);
    }
  }

  /**
   * Waits until every runner — or the ones named — has handled the log up
   * to `position`: read your own writes from the read models.
   *
   * @param position A position a command returned; the head of the log by default.
   * @param runners Which ones to wait for.
   * @param timeout How long to wait, in milliseconds.
   * @throws {Error} They did not get there in time.
   */
  async waitFor(
    position?: number,
    runners: readonly Runner[] = this.runners,
    timeout = 10_000,
  ): Promise<void> {
    const target = position ?? (await this.store.head());
    const deadline = Date.now() + timeout;
    for (const runner of runners) {
      while ((runner.status().checkpoint?.position ?? 0) < target) {
        const { state, error } = runner.status();
        if (state === 'failed') throw new Error(`${runner.name} failed`, { cause: error });
        if (Date.now() > deadline) {
          throw new Error(`${runner.name} did not reach position ${target} in ${timeout} ms`);
        }
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  }

  /**
   * The state and lag of every runner.
   *
   * @returns One report per runner.
   */
  async reports(): Promise<RunnerReport[]> {
    return Promise.all(
      this.runners.map(async (runner) => {
        const status = runner.status();
        return {
          name: runner.name,
          state: status.state,
          position: status.checkpoint?.position ?? 0,
          lag: await runner.lag(),
          eventsPerSecond: Math.round(status.eventsPerSecond),
          ...(status.state === 'failed' ? { error: String(status.error) } : {}),
        };
      }),
    );
  }

  /** Stops the runners (each finishes its page), closes the transport and the database. */
  async close(): Promise<void> {
    await Promise.all(this.runners.map((runner) => runner.stop()));
    await Promise.all(this.#running.values());
    this.#running.clear();
    await this.transport.close();
    await this.store.close();
  }
}

function reportFailure(runner: Runner, error: unknown): void {
  console.error(`${runner.name} stopped:`, error);
}
