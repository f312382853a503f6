/**
 * Timing helpers shared by every database's rows.
 *
 * A trial does its own untimed setup (a fresh file, a migrated schema, a
 * connection) and returns how long its measured part took. Trials of the two
 * contenders alternate, so a slow spell of the machine (a disk flush, another
 * process) hits both alike, and the median of each side is reported.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/** One run of one contender: resolves to the milliseconds of its timed part. */
export type Trial = () => Promise<number>;

/** What a row measures: the same work done by factline and by the raw driver. */
export interface RowPlan {
  /** The row's label in the table. */
  readonly name: string;
  /** Events each timed trial handles. */
  readonly events: number;
  readonly factline: Trial;
  readonly raw: Trial;
  /** Untimed trials of each contender first (JIT, page cache). */
  readonly warmups: number;
  /** Timed trials of each contender; the median is reported. */
  readonly runs: number;
  /** A smaller trial for warming up, when the full one is slow; defaults to the trials above. */
  readonly warmupFactline?: Trial;
  readonly warmupRaw?: Trial;
  /** The ratio factline/raw this row must reach, when not the default `targetRatio`. */
  readonly target?: number;
}

/** A measured row: events per second, median of its runs. */
export interface RowResult {
  readonly name: string;
  readonly events: number;
  readonly factline: number;
  readonly raw: number;
  /** Every run, events per second, in the order they ran. */
  readonly factlineRuns: readonly number[];
  readonly rawRuns: readonly number[];
  /** The ratio factline/raw this row must reach, when not the default `targetRatio`. */
  readonly target?: number;
}

/**
 * A full garbage collection before each timed trial, so that one trial's
 * garbage is not collected on the next one's time (whichever contender it is).
 */
const collectGarbage = exposeGc();

function exposeGc(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed !== undefined) return exposed;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/**
 * Runs a row: warm-ups, then alternating timed trials (which contender goes
 * first alternates too).
 */
export async function measureRow(plan: RowPlan): Promise<RowResult> {
  for (let index = 0; index < plan.warmups; index++) {
    await (plan.warmupFactline ?? plan.factline)();
    await (plan.warmupRaw ?? plan.raw)();
  }
  const factlineRuns: number[] = [];
  const rawRuns: number[] = [];
  const rate = (milliseconds: number) => (plan.events * 1000) / milliseconds;
  for (let index = 0; index < plan.runs; index++) {
    const order = index % 2 === 0 ? (['factline', 'raw'] as const) : (['raw', 'factline'] as const);
    for (const contender of order) {
      collectGarbage();
      const milliseconds = await plan[contender]();
      (contender === 'factline' ? factlineRuns : rawRuns).push(rate(milliseconds));
    }
  }
  return {
    name: plan.name,
    events: plan.events,
    factline: median(factlineRuns),
    raw: median(rawRuns),
    factlineRuns,
    rawRuns,
    ...(plan.target === undefined ? {} : { target: plan.target }),
  };
}

/** The median of a non-empty list. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/** Times a synchronous or asynchronous body, in milliseconds. */
export async function time(body: () => unknown): Promise<number> {
  const start = performance.now();
  await body();
  return performance.now() - start;
}
