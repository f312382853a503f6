import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import {
  CheckpointMismatchError,
  type CheckpointRow,
  type EventRegistry,
  type EventStore,
  InvalidArgumentError,
  isFactlineError,
  LeaseUnavailableError,
  ProjectionFailedError,
  type ProjectionStorage,
  ProviderError,
  type StoredEvent,
  type StoredEventBase,
  type TransactionWork,
} from '@factline/core';
import { LeaseHolder } from './lease-holder.js';
import type {
  CatchUpResult,
  ErrorReport,
  ProjectorLag,
  ProjectorState,
  ProjectorStatus,
  RebuildProgress,
  RunOptions,
} from './projection-options.js';
import { Throughput } from './throughput.js';
import { WakeSignal } from './wake-signal.js';

/** Thrown by `apply` when a handler fails: which event, and what it threw. */
export class HandlerFailure {
  constructor(
    readonly event: StoredEventBase & { readonly name: string },
    readonly cause: unknown,
  ) {}
}

/** Thrown when another instance moved the checkpoint under this one. */
class CheckpointMoved {}

/** How a run ends: never (start), or once caught up with the head it saw first. */
type RunMode = 'live' | 'until-caught-up';

const defaults = {
  source: 'default',
  pageSize: 500,
  pollInterval: 1000,
  attempts: 5,
  baseDelay: 100,
  maxDelay: 10_000,
  leaseTtl: 30_000,
} as const;

/** While catching up and meeting a hole (a commit in flight), poll this often. */
const holeRetryDelay = 10;

/** The settings of a runner, checked and with defaults filled in. */
interface RunnerSettings {
  readonly source: string;
  readonly pageSize: number;
  readonly pollInterval: number;
  readonly attempts: number;
  readonly baseDelay: number;
  readonly maxDelay: number;
}

/**
 * The loop behind `Projector` and `Reactor`: holds the lease, reads pages of
 * whole publications after the checkpoint, checks that the checkpoint's own
 * event is still where it was, hands the events to `apply`, retries failures
 * with backoff, and stops at a failing event instead of skipping it.
 *
 * Subclasses say how a page is applied: in one transaction with the
 * checkpoint (projectors), or one publication at a time, checkpointing after
 * each (reactors).
 */
export abstract class ProjectionRunner<TRegistry extends EventRegistry, TTransaction> {
  /** The projector's name: its checkpoint's and its lease's key. */
  readonly name: string;
  protected readonly store: EventStore<TRegistry>;
  protected readonly storage: ProjectionStorage<TTransaction>;
  protected readonly settings: RunnerSettings;
  readonly #options: RunOptions;
  readonly #lease: LeaseHolder | undefined;
  readonly #wake = new WakeSignal();
  readonly #throughput = new Throughput();
  #state: ProjectorState = 'stopped';
  #checkpoint: CheckpointRow | undefined;
  #checkpointKnown = false;
  #lastEventAt: Date | undefined;
  /** Events handled since construction: results report differences of it. */
  #handledCount = 0;
  #error: unknown;
  #run: Promise<void> | undefined;
  #stopping = false;

  /**
   * @param name The projector's name.
   * @param store The event store it follows.
   * @param storage Where its checkpoint and lease live.
   * @param options The common options.
   */
  constructor(
    name: string,
    store: EventStore<TRegistry>,
    storage: ProjectionStorage<TTransaction>,
    options: RunOptions = {},
  ) {
    if (typeof name !== 'string' || name.trim() === '') {
      throw new InvalidArgumentError('A projector needs a name: its checkpoint is kept under it.');
    }
    this.name = name;
    this.store = store;
    this.storage = storage;
    this.#options = options;
    this.settings = resolveSettings(options);
    if (options.lease !== false) {
      const ttl = options.lease?.ttl ?? defaults.leaseTtl;
      assertNumber('lease.ttl', ttl, 1);
      const owner = `${hostname()}:${process.pid}:${randomUUID()}`;
      this.#lease = new LeaseHolder(storage as ProjectionStorage<unknown>, name, owner, ttl);
    }
  }

  /**
   * Runs the projector: catches up from its checkpoint, then follows new
   * events until `stop()`. Returns at once with a promise that resolves when
   * it stops and rejects when it fails (a handler that kept failing, a
   * checkpoint that no longer matches the log): await it, or catch it, so
   * that a failure is seen.
   *
   * @throws {InvalidArgumentError} It is running already.
   */
  start(): Promise<void> {
    return this.#begin('live');
  }

  /**
   * Stops after the page in hand (it is finished and checkpointed), gives
   * the lease up, and resolves when the projector has stopped.
   */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#wake.wake();
    // A failure is reported by the promise start() returned, not here.
    await this.#run?.catch(() => undefined);
  }

  /**
   * Handles every event up to the head of the log as it is now, then
   * returns. For tests, scripts and one-off catch-ups.
   *
   * @returns The checkpoint reached and how many events were handled.
   * @throws {ProjectionFailedError} A handler kept failing; the checkpoint is before its event.
   * @throws {CheckpointMismatchError} The log no longer holds the checkpoint's event.
   * @throws {LeaseUnavailableError} Another instance is running it.
   */
  async runUntilCaughtUp(): Promise<CatchUpResult> {
    const before = this.#handledCount;
    await this.#begin('until-caught-up');
    return { position: this.#checkpoint?.position ?? 0, events: this.#handledCount - before };
  }

  /**
   * Empties the read model (the `reset` work, in one transaction with
   * deleting the checkpoint), then replays the whole log into it.
   *
   * @param onProgress Called after each page.
   * @returns The checkpoint reached and how many events were replayed.
   */
  protected async rebuildWith(
    reset: TransactionWork<TTransaction> | undefined,
    onProgress?: (progress: RebuildProgress) => void,
  ): Promise<CatchUpResult> {
    this.#assertIdle();
    this.#stopping = false;
    this.#error = undefined;
    const before = this.#handledCount;
    const run = (async () => {
      this.#setState('rebuilding');
      try {
        await this.#waitForLease();
        const head = await this.store.head();
        await this.#storage('resetCheckpoint', () =>
          this.storage.resetCheckpoint(
            { projector: this.name, source: this.settings.source },
            reset,
          ),
        );
        this.#checkpoint = undefined;
        this.#checkpointKnown = true;
        await this.#loop('until-caught-up', head, (position) =>
          onProgress?.({
            projector: this.name,
            position,
            head,
            events: this.#handledCount - before,
          }),
        );
        this.#setState('stopped');
      } catch (error) {
        this.#fail(error);
        throw error;
      } finally {
        await this.#releaseLease();
      }
    })();
    this.#run = run;
    try {
      await run;
    } finally {
      this.#run = undefined;
    }
    return { position: this.#checkpoint?.position ?? 0, events: this.#handledCount - before };
  }

  /** What the projector is doing, its checkpoint, its speed and its last error. */
  status(): ProjectorStatus {
    return {
      name: this.name,
      state: this.#state,
      checkpoint: this.#checkpoint,
      eventsPerSecond: this.#throughput.perSecond(),
      lastEventAt: this.#lastEventAt,
      error: this.#error,
    };
  }

  /**
   * How far behind the log the projector is, by its stored checkpoint: in
   * positions, and in time (the age of the oldest event it has not handled).
   */
  async lag(): Promise<ProjectorLag> {
    const checkpoint = await this.#readCheckpoint();
    const position = checkpoint?.position ?? 0;
    const head = await this.store.head();
    if (head <= position) return { positions: 0, milliseconds: 0 };
    const page = await this.store.readPage(position, 1);
    const oldest = page.events[0];
    return {
      positions: head - position,
      milliseconds: oldest === undefined ? 0 : Math.max(0, Date.now() - oldest.timestamp.getTime()),
    };
  }

  /**
   * Applies events after the checkpoint; calls `commit` for each checkpoint
   * it saves. Throws a {@link HandlerFailure} when a handler fails, after
   * committing what came before the failing publication.
   */
  protected abstract apply(events: readonly StoredEvent<TRegistry>[]): Promise<void>;

  /**
   * Saves the checkpoint at the last of `events` by compare-and-set, with
   * `work` in the same transaction.
   */
  protected async commit(
    events: readonly StoredEvent<TRegistry>[],
    work?: TransactionWork<TTransaction>,
  ): Promise<void> {
    const last = events[events.length - 1];
    if (last === undefined) return;
    const started = performance.now();
    const from = this.#checkpoint?.position ?? 0;
    const next: CheckpointRow = { position: last.position, eventId: last.id };
    const committed = await this.#storage('commitCheckpoint', () =>
      this.storage.commitCheckpoint(
        { projector: this.name, source: this.settings.source, expected: this.#checkpoint, next },
        work,
      ),
    );
    if (!committed) throw new CheckpointMoved();
    this.#checkpoint = next;
    this.#lastEventAt = last.timestamp;
    this.#handledCount += events.length;
    this.#throughput.record(events.length);
    this.#hook('onPage', {
      projector: this.name,
      events: events.length,
      from,
      to: next.position,
      milliseconds: performance.now() - started,
    });
  }

  #begin(mode: RunMode): Promise<void> {
    this.#assertIdle();
    this.#stopping = false;
    this.#error = undefined;
    const run = (async () => {
      try {
        if (mode === 'until-caught-up') {
          await this.#waitForLease();
          await this.#loop(mode, await this.store.head());
        } else {
          await this.#loop(mode, Number.POSITIVE_INFINITY);
        }
        this.#setState('stopped');
      } catch (error) {
        this.#fail(error);
        throw error;
      } finally {
        await this.#releaseLease();
      }
    })();
    this.#run = run;
    return run.finally(() => {
      if (this.#run === run) this.#run = undefined;
    });
  }

  async #loop(mode: RunMode, target: number, onPage?: (position: number) => void): Promise<void> {
    const unsubscribe = this.store.onPublished(() => this.#wake.wake());
    const stopWatching = await this.#watchOtherProcesses();
    try {
      let readFailures = 0;
      while (!this.#stopping) {
        let held: boolean;
        let events: StoredEvent<TRegistry>[];
        try {
          held = await this.#holdLease();
          this.#wake.clear();
          events = held ? await this.#nextPage() : [];
          readFailures = 0;
        } catch (error) {
          // The database failing (a restart, a lost connection) is retried
          // like a handler; anything else — a changed log — stops at once.
          if (!isFactlineError(error, 'PROVIDER')) throw error;
          readFailures++;
          await this.#retryOrThrow(error, readFailures);
          continue;
        }
        if (!held) {
          if (mode === 'until-caught-up') throw new LeaseUnavailableError(this.name, 0);
          this.#setState('standby');
          await this.#wake.sleep(this.#standbyDelay());
          continue;
        }
        const position = this.#checkpoint?.position ?? 0;
        if (events.length === 0) {
          if (mode === 'until-caught-up') {
            if (position >= target) return;
            // The next position is committed but not visible yet: look again shortly.
            await this.#wake.sleep(holeRetryDelay);
            continue;
          }
          this.#setState('live');
          await this.#wake.sleep(this.settings.pollInterval);
          continue;
        }
        if (this.#state !== 'rebuilding') this.#setState('catching-up');
        await this.#applyWithRetries(events);
        onPage?.(this.#checkpoint?.position ?? 0);
      }
    } finally {
      unsubscribe();
      await stopWatching?.().catch(() => undefined);
    }
  }

  /** Reports a failure; throws it when out of attempts, else waits out the backoff. */
  async #retryOrThrow(error: unknown, attempt: number): Promise<void> {
    const willRetry = attempt < this.settings.attempts && !this.#stopping;
    const delay = willRetry ? this.#backoff(attempt) : 0;
    this.#hook('onError', { projector: this.name, error, attempt, willRetry, delay });
    if (!willRetry) {
      if (this.#stopping) return;
      throw error;
    }
    await this.#wake.sleep(delay);
  }

  /** Wakes on publications of other processes, where the store's provider can tell. */
  async #watchOtherProcesses(): Promise<(() => Promise<void>) | undefined> {
    const provider = this.store.provider;
    if (typeof provider.watch !== 'function') return undefined;
    try {
      return await provider.watch(() => this.#wake.wake());
    } catch (error) {
      // Polling still finds every event; only the wake-up is lost.
      process.emitWarning(
        `Projector "${this.name}" cannot watch ${provider.name} for publications and falls back to polling: ${String(error)}`,
        { code: 'FACTLINE_WATCH' },
      );
      return undefined;
    }
  }

  /**
   * The whole publications after the checkpoint, at most a page of them,
   * after checking that the checkpoint's own event is still in the log.
   */
  async #nextPage(): Promise<StoredEvent<TRegistry>[]> {
    const checkpoint = await this.#knownCheckpoint();
    const position = checkpoint?.position ?? 0;
    const expectedId = checkpoint?.eventId ?? null;
    if (position === 0 || expectedId === null) {
      return [...(await this.store.readPage(position, this.settings.pageSize)).events];
    }
    // Read from the checkpoint's own publication, to see that it is unchanged.
    const page = await this.store.readPage(position - 1, this.settings.pageSize + 1);
    const events = page.events;
    if (events.length === 0) {
      if ((await this.store.head()) < position) {
        throw new CheckpointMismatchError({
          projector: this.name,
          position,
          expectedEventId: expectedId,
          actualEventId: null,
        });
      }
      return [];
    }
    let end = 0;
    while (end < events.length && (events[end] as StoredEventBase).position === position) end++;
    const actual = (events[end - 1] as StoredEventBase | undefined)?.id ?? null;
    if (actual !== expectedId) {
      throw new CheckpointMismatchError({
        projector: this.name,
        position,
        expectedEventId: expectedId,
        actualEventId: actual,
      });
    }
    return events.slice(end);
  }

  async #applyWithRetries(events: readonly StoredEvent<TRegistry>[]): Promise<void> {
    let attempt = 0;
    let failingEventId: string | undefined;
    while (true) {
      const checkpoint = this.#checkpoint?.position ?? 0;
      const remaining = events.filter((event) => event.position > checkpoint);
      if (remaining.length === 0) return;
      try {
        await this.apply(remaining);
        return;
      } catch (error) {
        if (error instanceof CheckpointMoved) {
          // Another instance moved the checkpoint: read it again, and the lease decides who goes on.
          this.#checkpointKnown = false;
          return;
        }
        const failure = error instanceof HandlerFailure ? error : undefined;
        // Attempts count per failing event; a failure outside handlers (the
        // database) counts against the page.
        const failingId = failure?.event.id ?? 'page';
        attempt = failingId === failingEventId ? attempt + 1 : 1;
        failingEventId = failingId;
        const willRetry =
          attempt < this.settings.attempts &&
          !this.#stopping &&
          !isFactlineError(error, 'INVALID_ARGUMENT');
        const delay = willRetry ? this.#backoff(attempt) : 0;
        const reported = failure === undefined ? error : this.#failedError(failure, attempt);
        this.#hook('onError', {
          projector: this.name,
          error: reported,
          attempt,
          willRetry,
          delay,
        } satisfies ErrorReport);
        if (!willRetry) {
          if (this.#stopping && attempt < this.settings.attempts) return;
          throw reported;
        }
        await this.#wake.sleep(delay);
        if (this.#stopping) return;
      }
    }
  }

  #failedError(failure: HandlerFailure, attempts: number): ProjectionFailedError {
    return new ProjectionFailedError({
      projector: this.name,
      position: failure.event.position,
      eventId: failure.event.id,
      eventName: failure.event.name,
      entityId: failure.event.entityId,
      attempts,
      cause: failure.cause,
    });
  }

  #backoff(attempt: number): number {
    const { baseDelay, maxDelay } = this.settings;
    return Math.min(maxDelay, baseDelay * 2 ** (attempt - 1));
  }

  async #knownCheckpoint(): Promise<CheckpointRow | undefined> {
    if (!this.#checkpointKnown) {
      this.#checkpoint = await this.#readCheckpoint();
      this.#checkpointKnown = true;
    }
    return this.#checkpoint;
  }

  #readCheckpoint(): Promise<CheckpointRow | undefined> {
    return this.#storage('readCheckpoint', () =>
      this.storage.readCheckpoint({ projector: this.name, source: this.settings.source }),
    );
  }

  async #holdLease(): Promise<boolean> {
    if (this.#lease === undefined) return true;
    const wasHeld = this.#lease.held;
    const held = await this.#storage('acquireLease', () => (this.#lease as LeaseHolder).hold());
    // Whoever held it may have moved the checkpoint.
    if (held && !wasHeld) this.#checkpointKnown = false;
    return held;
  }

  async #waitForLease(): Promise<void> {
    if (this.#lease === undefined) return;
    const started = performance.now();
    const patience = 2 * this.#lease.ttl;
    while (!(await this.#holdLease())) {
      const waited = performance.now() - started;
      if (waited >= patience || this.#stopping) {
        throw new LeaseUnavailableError(this.name, Math.round(waited));
      }
      await this.#wake.sleep(this.#standbyDelay());
    }
  }

  #standbyDelay(): number {
    const ttl = this.#lease?.ttl ?? defaults.leaseTtl;
    return Math.max(10, Math.min(this.settings.pollInterval, ttl / 3));
  }

  async #releaseLease(): Promise<void> {
    try {
      await this.#lease?.release();
    } catch (error) {
      // It expires on its own; the stop itself went well.
      process.emitWarning(
        `Projector "${this.name}" could not release its lease: ${String(error)}`,
        { code: 'FACTLINE_LEASE_RELEASE' },
      );
    }
  }

  /** Runs a storage call; a driver's error becomes a `ProviderError`. */
  async #storage<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (isFactlineError(error) || error instanceof HandlerFailure) throw error;
      throw new ProviderError(this.storage.name, operation, error);
    }
  }

  #assertIdle(): void {
    if (this.#run !== undefined) {
      throw new InvalidArgumentError(
        `Projector "${this.name}" is running already: stop() it first.`,
      );
    }
  }

  #fail(error: unknown): void {
    this.#error = error;
    this.#setState('failed');
  }

  #setState(state: ProjectorState): void {
    const previous = this.#state;
    if (previous === state) return;
    this.#state = state;
    this.#hook('onStateChange', state, previous);
  }

  #hook<TName extends keyof NonNullable<RunOptions['hooks']>>(
    name: TName,
    ...args: Parameters<NonNullable<NonNullable<RunOptions['hooks']>[TName]>>
  ): void {
    const hook = this.#options.hooks?.[name] as ((...values: unknown[]) => void) | undefined;
    if (hook === undefined) return;
    try {
      hook(...args);
    } catch (error) {
      process.emitWarning(`Projector "${this.name}": its ${name} hook threw: ${String(error)}`, {
        code: 'FACTLINE_HOOK_ERROR',
      });
    }
  }
}

function resolveSettings(options: RunOptions): RunnerSettings {
  const settings = {
    source: options.source ?? defaults.source,
    pageSize: options.pageSize ?? defaults.pageSize,
    pollInterval: options.pollInterval ?? defaults.pollInterval,
    attempts: options.retry?.attempts ?? defaults.attempts,
    baseDelay: options.retry?.baseDelay ?? defaults.baseDelay,
    maxDelay: options.retry?.maxDelay ?? defaults.maxDelay,
  };
  if (typeof settings.source !== 'string' || settings.source === '') {
    throw new InvalidArgumentError('source must be a non-empty string.');
  }
  assertInteger('pageSize', settings.pageSize, 1);
  assertNumber('pollInterval', settings.pollInterval, 1);
  assertInteger('retry.attempts', settings.attempts, 1);
  assertNumber('retry.baseDelay', settings.baseDelay, 0);
  assertNumber('retry.maxDelay', settings.maxDelay, 0);
  return settings;
}

function assertInteger(name: string, value: number, minimum: number): void {
  if (!Number.isSafeInteger(value) || value < minimum) {
    throw new InvalidArgumentError(
      `${name} must be an integer >= ${minimum}; got ${String(value)}.`,
    );
  }
}

function assertNumber(name: string, value: number, minimum: number): void {
  if (!Number.isFinite(value) || value < minimum) {
    throw new InvalidArgumentError(
      `${name} must be a number of milliseconds >= ${minimum}; got ${String(value)}.`,
    );
  }
}
