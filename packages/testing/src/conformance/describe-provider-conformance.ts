import { describe } from 'vitest';
import type { ConformanceHarness } from './conformance-harness.js';
import { conformanceTimeout, useConformanceWorld } from './conformance-world.js';
import { describeAtomicity } from './features/describe-atomicity.js';
import { describeFoldReads } from './features/describe-fold-reads.js';
import { describeIdempotency } from './features/describe-idempotency.js';
import { describeImmutability } from './features/describe-immutability.js';
import { describeInlineProjections } from './features/describe-inline-projections.js';
import { describeMigration } from './features/describe-migration.js';
import { describeMonotonicVisibility } from './features/describe-monotonic-visibility.js';
import { describeOptimisticConcurrency } from './features/describe-optimistic-concurrency.js';
import { describePageReads } from './features/describe-page-reads.js';
import { describeProjectionStorage } from './features/describe-projection-storage.js';
import { describeReading } from './features/describe-reading.js';
import { describeRoundTrips } from './features/describe-round-trips.js';
import { describeSnapshotAndTail } from './features/describe-snapshot-and-tail.js';
import { describeSnapshots } from './features/describe-snapshots.js';
import { describeValidationBeforeWrite } from './features/describe-validation-before-write.js';

/**
 * Declares the provider conformance suite: vitest tests that check every
 * invariant of factline's design against a provider, each on a fresh store,
 * the concurrent ones with several connections and writer processes.
 *
 * Call it at the top level of a vitest test file.
 *
 * @example
 * ```ts
 * // my-provider.test.ts
 * import { describeProviderConformance } from '@factline/testing';
 * describeProviderConformance('my-db', createMyHarness);
 * ```
 *
 * @param name The provider's name, for the test titles.
 * @param createHarness Makes a harness for a fresh, empty store; called once per test.
 */
export function describeProviderConformance(
  name: string,
  createHarness: () => Promise<ConformanceHarness>,
): void {
  describe(`${name} provider conformance`, { timeout: conformanceTimeout }, () => {
    const world = useConformanceWorld(createHarness);
    describeAtomicity(world);
    describeOptimisticConcurrency(world);
    describeMonotonicVisibility(world);
    describeValidationBeforeWrite(world);
    describeIdempotency(world);
    describeImmutability(world);
    describeRoundTrips(world);
    describeReading(world);
    describeFoldReads(world);
    describePageReads(world);
    describeMigration(world);
    describeSnapshots(world);
    describeSnapshotAndTail(world);
    describeProjectionStorage(world);
    describeInlineProjections(world);
  });
}
