import type { CheckpointRow } from '@factline/core';

/**
 * What a projector is doing:
 * - `stopped`: not started, or stopped;
 * - `standby`: started, waiting for another instance's lease;
 * - `catching-up`: handling events, with more waiting;
 * - `live`: caught up, waiting for new events;
 * - `rebuilding`: replaying the log into an emptied read model;
 * - `failed`: stopped by an error (see `status().error`).
 */
export type ProjectorState =
  | 'stopped'
  | 'standby'
  | 'catching-up'
  | 'live'
  | 'rebuilding'
  | 'failed';

/** How a failing handler is retried before the projector stops. */
export interface HandlerRetryPolicy {
  /** How many times a handler is tried on one event in all (default 5); 1 never retries. */
  readonly attempts?: number;
  /** The first wait, in milliseconds (default 100); it doubles each time. */
  readonly baseDelay?: number;
  /** The longest wait, in milliseconds (default 10,000). */
  readonly maxDelay?: number;
}

/** A page of events handled and checkpointed. */
export interface PageReport {
  readonly projector: string;
  /** Events in the page. */
  readonly events: number;
  /** The checkpoint before and after it. */
  readonly from: number;
  readonly to: number;
  /** How long handling and committing it took, in milliseconds. */
  readonly milliseconds: number;
}

/** A failure the projector met; `willRetry` says whether it goes on. */
export interface ErrorReport {
  readonly projector: string;
  readonly error: unknown;
  /** Which attempt failed, from 1. */
  readonly attempt: number;
  readonly willRetry: boolean;
  /** The wait before the next attempt, in milliseconds; 0 when there is none. */
  readonly delay: number;
}

/** Hooks for metrics and logging. A hook that throws is reported as a process warning. */
export interface ProjectorHooks {
  /** After each page is committed. */
  readonly onPage?: (report: PageReport) => void;
  /** After each failure, retried or not. */
  readonly onError?: (report: ErrorReport) => void;
  /** When the state changes. */
  readonly onStateChange?: (state: ProjectorState, previous: ProjectorState) => void;
}

/** Options every projector and reactor takes. */
export interface RunOptions {
  /**
   * The event source this projector follows: the `source` column of its
   * checkpoint (default `'default'`). Two projectors of one name that follow
   * different stores need different sources.
   */
  readonly source?: string;
  /** How many publications to fetch per page (default 500). */
  readonly pageSize?: number;
  /**
   * How long to wait for new events once caught up, in milliseconds (default
   * 1,000). Publications through an `EventStore` in this process, and on
   * PostgreSQL in any process, wake the projector sooner.
   */
  readonly pollInterval?: number;
  /** How a failing handler is retried. */
  readonly retry?: HandlerRetryPolicy;
  /**
   * One active instance per projector name, across processes (default: a
   * lease of 30,000 ms, renewed every third of it). When the instance holding
   * it dies, another takes over once the lease expires. `false` runs without
   * one: make sure yourself that only one instance runs.
   */
  readonly lease?: { readonly ttl?: number } | false;
  readonly hooks?: ProjectorHooks;
}

/** What a projector reports about itself; see `status()`. */
export interface ProjectorStatus {
  readonly name: string;
  readonly state: ProjectorState;
  /** Its checkpoint, as last read or written; `undefined` before it has read it. */
  readonly checkpoint: CheckpointRow | undefined;
  /** Events handled per second over the last ten seconds. */
  readonly eventsPerSecond: number;
  /** When the last event it handled was written; `undefined` before the first. */
  readonly lastEventAt: Date | undefined;
  /** What stopped it, when `state` is `failed`. */
  readonly error: unknown;
}

/** How far a projector is behind the log. */
export interface ProjectorLag {
  /** Positions (publications) between its checkpoint and the head of the log. */
  readonly positions: number;
  /** How long ago the oldest event it has not handled was written, in milliseconds; 0 when caught up. */
  readonly milliseconds: number;
}

/** What `runUntilCaughtUp()` and `rebuild()` did. */
export interface CatchUpResult {
  /** The checkpoint's position at the end. */
  readonly position: number;
  /** Events handled. */
  readonly events: number;
}

/** Progress of a rebuild, reported after each page. */
export interface RebuildProgress {
  readonly projector: string;
  /** The position replayed so far. */
  readonly position: number;
  /** The head of the log when the rebuild started. */
  readonly head: number;
  /** Events replayed so far. */
  readonly events: number;
}
