import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import type { JsonValue } from '../event/json-schema-of.js';

/**
 * When an aggregate class is snapshotted, and in which format. Declare it as
 * a static property: `static readonly snapshot: SnapshotPolicy = { every: 100, version: 1 }`.
 */
export interface SnapshotPolicy {
  /**
   * Take a snapshot when a save takes the aggregate's event count past a
   * multiple of this (100: after its 100th, 200th, … event). An integer >= 1.
   */
  readonly every: number;
  /**
   * The version of the format `toSnapshot` writes, an integer >= 1. A
   * snapshot of another version is ignored on load (the aggregate is folded
   * from its first event), so bump it whenever the state's shape changes.
   */
  readonly version: number;
}

/**
 * An aggregate that can be snapshotted: it turns its state into a JSON value
 * and back. Implement it together with a static {@link SnapshotPolicy}.
 *
 * @typeParam TState The JSON value the state is written as.
 */
export interface Snapshottable<TState = JsonValue> {
  /** The aggregate's state as a JSON value (no `Date`, `Map`, `undefined`, …). */
  toSnapshot(): TState;
  /** Puts a state written by `toSnapshot` (in this policy version) into a new aggregate. */
  fromSnapshot(state: TState): void;
}

/** What to do when a snapshot cannot be read, restored or written. */
export interface SnapshotFailure {
  /** `read`: reading or restoring it (the load folded from the first event instead); `write`: taking or storing it. */
  readonly operation: 'read' | 'write';
  readonly type: string;
  readonly id: string;
  /** The version the snapshot was (to be) taken at. */
  readonly version: number | undefined;
}

/**
 * The snapshot policy a class declares, checked.
 *
 * @param aggregateClass The aggregate's class (a constructor).
 * @returns The policy, or `undefined` when the class declares none.
 * @throws {InvalidArgumentError} The policy is not two integers >= 1.
 */
export function snapshotPolicyOf(aggregateClass: unknown): SnapshotPolicy | undefined {
  const policy = (aggregateClass as { snapshot?: unknown }).snapshot;
  if (policy === undefined) return undefined;
  const { every, version } = (policy ?? {}) as { every?: unknown; version?: unknown };
  const name = (aggregateClass as { name?: string }).name ?? 'The aggregate';
  if (!Number.isSafeInteger(every) || (every as number) < 1) {
    throw new InvalidArgumentError(
      `${name}.snapshot.every must be an integer >= 1; got ${String(every)}.`,
    );
  }
  if (!Number.isSafeInteger(version) || (version as number) < 1) {
    throw new InvalidArgumentError(
      `${name}.snapshot.version must be an integer >= 1; got ${String(version)}.`,
    );
  }
  return { every: every as number, version: version as number };
}

/**
 * Checks that an aggregate whose class declares a snapshot policy has
 * `toSnapshot` and `fromSnapshot`.
 *
 * @param aggregate The aggregate.
 * @returns It, typed as snapshottable.
 * @throws {InvalidArgumentError} A method is missing.
 */
export function asSnapshottable(aggregate: object): Snapshottable<unknown> {
  const candidate = aggregate as Partial<Snapshottable<unknown>>;
  if (typeof candidate.toSnapshot !== 'function' || typeof candidate.fromSnapshot !== 'function') {
    throw new InvalidArgumentError(
      `${aggregate.constructor.name} declares a snapshot policy, so it must have toSnapshot() and fromSnapshot(state) methods.`,
    );
  }
  return candidate as Snapshottable<unknown>;
}

/**
 * Whether a save that moved an aggregate from `before` to `after` took its
 * event count (version + 1) past a multiple of `every`.
 */
export function crossedInterval(before: number, after: number, every: number): boolean {
  return Math.floor((after + 1) / every) > Math.floor((before + 1) / every);
}
