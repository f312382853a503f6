/**
 * Projectors in real processes: killed with SIGKILL in the middle of a page
 * and restarted, and two instances sharing one name through a lease. Each
 * runs on every database whose projection storage exists.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  dropDatabase,
  mysqlAvailable,
  mysqlTestUrl,
  throwawayDatabaseName,
} from '@factline/testing/mysql';
import {
  dropSchema,
  postgresAvailable,
  postgresTestUrl,
  throwawaySchemaName,
} from '@factline/testing/postgres';
import { afterEach, describe, expect, it } from 'vitest';
import { type Ledger, type LedgerTarget, openLedger } from './fixtures/ledger.js';
import type { WorkerOptions } from './fixtures/ledger-worker.fixture.js';
import { Projector } from './projector.js';

const workerScript = fileURLToPath(new URL('./fixtures/ledger-worker.fixture.ts', import.meta.url));
const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

interface WorkerMessage {
  readonly type: 'page' | 'state' | 'failed';
  readonly to?: number;
  readonly state?: string;
  readonly message?: string;
}

/** A projector process and what it printed. */
class Worker {
  readonly child: ChildProcess;
  readonly messages: WorkerMessage[] = [];
  readonly exited: Promise<number | null>;
  #log = '';

  constructor(options: WorkerOptions) {
    this.child = spawn(process.execPath, ['--import', tsx, workerScript, JSON.stringify(options)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    createInterface({ input: this.child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      try {
        this.messages.push(JSON.parse(line) as WorkerMessage);
      } catch {
        this.#log += `${line}\n`;
      }
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.#log = (this.#log + chunk.toString()).slice(-4000);
    });
    this.exited = new Promise((resolve) => this.child.on('exit', (code) => resolve(code)));
  }

  get lastPosition(): number {
    const pages = this.messages.filter((message) => message.type === 'page');
    return pages.at(-1)?.to ?? 0;
  }

  get state(): string | undefined {
    return this.messages.filter((message) => message.type === 'state').at(-1)?.state;
  }

  async waitFor(condition: (worker: Worker) => boolean, timeout = 30_000): Promise<void> {
    const started = Date.now();
    while (!condition(this)) {
      const failed = this.messages.find((message) => message.type === 'failed');
      if (failed !== undefined) throw new Error(`The worker failed: ${failed.message}`);
      if (this.child.exitCode !== null) {
        throw new Error(`The worker exited (${this.child.exitCode}):\n${this.#log}`);
      }
      if (Date.now() - started > timeout) {
        throw new Error(`Timed out waiting for the worker:\n${this.#log}`);
      }
      await sleep(5);
    }
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    if (this.child.exitCode === null) this.child.kill(signal);
    return this.exited;
  }
}

const sleep = (milliseconds: number) => new Promise((resolve) => setTimeout(resolve, milliseconds));

interface Database {
  readonly kind: string;
  /** Whether its provider wakes projectors in other processes (`watch()`). */
  readonly watches: boolean;
  /** A fresh, empty database for one test, and how to drop it. */
  create(): Promise<{ target: LedgerTarget; drop(): Promise<void> }>;
}

const databases: Database[] = [
  {
    kind: 'sqlite',
    watches: false,
    async create() {
      const directory = mkdtempSync(join(tmpdir(), 'factline-processes-'));
      return {
        target: { kind: 'sqlite', file: join(directory, 'ledger.db') },
        drop: async () => rmSync(directory, { recursive: true, force: true }),
      };
    },
  },
  // Skipped, with a notice, without a server; an error instead with FACTLINE_REQUIRE_SERVERS=1.
  ...((await postgresAvailable())
    ? [
        {
          kind: 'postgres',
          watches: true,
          async create() {
            const schema = throwawaySchemaName();
            return {
              target: { kind: 'postgres', url: postgresTestUrl(), schema } as const,
              drop: () => dropSchema(schema),
            };
          },
        },
      ]
    : []),
  ...((await mysqlAvailable())
    ? [
        {
          kind: 'mysql',
          watches: false,
          async create() {
            // Created by the first migration.
            const database = throwawayDatabaseName();
            return {
              target: { kind: 'mysql', url: mysqlTestUrl(), database } as const,
              drop: () => dropDatabase(database),
            };
          },
        },
      ]
    : []),
];

/** Publishes `count` publications of one to three deposits over twenty accounts. */
async function writeDeposits(ledger: Ledger, count: number, seed: number): Promise<number> {
  let events = 0;
  let state = seed;
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state / 2_147_483_648;
  };
  for (let publication = 0; publication < count; publication++) {
    const size = 1 + Math.floor(random() * 3);
    const accounts = new Set<string>();
    while (accounts.size < size) accounts.add(`account-${Math.floor(random() * 20)}`);
    await ledger.store.publish({
      actor: 'test',
      entities: [...accounts].map((account) => ({
        id: account,
        type: 'Account',
        expectedVersion: 'any' as const,
        events: [
          {
            name: 'Deposited' as const,
            details: { account, amount: 1 + Math.floor(random() * 1000) },
          },
        ],
      })),
    });
    events += size;
  }
  return events;
}

/** The totals of a clean full replay, by a fresh projector into its own table. */
async function replay(ledger: Ledger) {
  await ledger.createTotals('totals_replay');
  await new Projector({
    name: 'totals-replay',
    store: ledger.store,
    storage: ledger.storage,
    handlers: ledger.handlers('totals_replay', 0),
    lease: false,
  }).runUntilCaughtUp();
  return ledger.readTotals('totals_replay');
}

describe.each(databases)('projector processes on $kind', (database) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function freshLedger() {
    const created = await database.create();
    const ledger = await openLedger(created.target);
    cleanups.push(created.drop, () => ledger.close());
    await ledger.createTotals('totals');
    return { target: created.target, ledger };
  }

  function startWorker(options: WorkerOptions): Worker {
    const worker = new Worker(options);
    cleanups.push(async () => {
      await worker.kill();
    });
    return worker;
  }

  it('leaves a read model identical to a clean replay after SIGKILLs in the middle of pages', async () => {
    const { target, ledger } = await freshLedger();
    const eventCount = await writeDeposits(ledger, 400, 7);
    const head = await ledger.store.head();
    const options: WorkerOptions = {
      target,
      name: 'totals',
      table: 'totals',
      pause: 1,
      pageSize: 25,
      leaseTtl: 500,
      pollInterval: 50,
    };

    // Three kills, each a little after a page was committed: in the middle of the next one.
    const killedAt: number[] = [];
    for (let round = 0; round < 3; round++) {
      const worker = startWorker(options);
      const from = (await ledger.storage.readCheckpoint({ projector: 'totals', source: 'default' }))
        ?.position;
      await worker.waitFor((current) => current.lastPosition > (from ?? 0));
      await sleep(5 + round * 7);
      await worker.kill('SIGKILL');
      const checkpoint = await ledger.storage.readCheckpoint({
        projector: 'totals',
        source: 'default',
      });
      killedAt.push(checkpoint?.position ?? 0);
    }
    // Killed before the end, after some progress, each time further on.
    expect(killedAt.every((position) => position > 0 && position < head)).toBe(true);
    expect([...killedAt].sort((a, b) => a - b)).toEqual(killedAt);

    const restarted = startWorker(options);
    await restarted.waitFor((worker) => worker.lastPosition === head);
    await restarted.kill('SIGTERM');

    const totals = await ledger.readTotals('totals');
    expect(totals).toEqual(await replay(ledger));
    const deposits = Object.values(totals).reduce((sum, account) => sum + account.deposits, 0);
    expect(deposits).toBe(eventCount);
  }, 90_000);

  it('runs one of two processes with the same name; the other takes over within the lease time when it dies', async () => {
    const { target, ledger } = await freshLedger();
    await writeDeposits(ledger, 20, 11);
    const leaseTtl = 1000;
    const options: WorkerOptions = {
      target,
      name: 'totals',
      table: 'totals',
      pause: 0,
      pageSize: 100,
      leaseTtl,
      pollInterval: 50,
    };
    const first = startWorker(options);
    const second = startWorker(options);
    await first.waitFor(() => first.state === 'live' || second.state === 'live');
    const [active, standby] = first.state === 'live' ? [first, second] : [second, first];
    await standby.waitFor((worker) => worker.state === 'standby');
    expect(standby.lastPosition).toBe(0);

    await active.kill('SIGKILL');
    const killed = Date.now();
    await writeDeposits(ledger, 1, 12);
    const head = await ledger.store.head();
    await standby.waitFor((worker) => worker.lastPosition === head, 10_000);
    const takeover = Date.now() - killed;

    // The lease expires after its time; the standby polls for it every third of it.
    expect(takeover).toBeLessThan(leaseTtl + leaseTtl / 3 + 1000);
    expect(await ledger.readTotals('totals')).toEqual(await replay(ledger));
  }, 60_000);

  // Declared only where the provider can watch: elsewhere other processes poll.
  if (database.watches) {
    it('wakes a live projector in another process at once', async () => {
      const { target, ledger } = await freshLedger();
      expect(typeof ledger.store.provider.watch).toBe('function');
      await writeDeposits(ledger, 5, 13);
      const worker = startWorker({
        target,
        name: 'totals',
        table: 'totals',
        pause: 0,
        pageSize: 100,
        leaseTtl: 30_000,
        // Far longer than the test: only a wake-up can bring the publications below.
        pollInterval: 60_000,
      });
      const caughtUp = await ledger.store.head();
      await worker.waitFor(
        (current) => current.state === 'live' && current.lastPosition === caughtUp,
      );

      for (let round = 0; round < 3; round++) {
        await writeDeposits(ledger, 1, 20 + round);
        const head = await ledger.store.head();
        const published = Date.now();
        await worker.waitFor((current) => current.lastPosition === head, 5000);
        expect(Date.now() - published).toBeLessThan(1000);
      }
      expect(await ledger.readTotals('totals')).toEqual(await replay(ledger));
    }, 30_000);
  }
});
