/**
 * The plans of the event-log rows SQLite and the servers share: their names,
 * which trials, how many warm-ups. Each database gives the trials themselves.
 */
import { appendWarmupEventCount, entityCount, eventCount, formatCount } from './event-log-sizes.js';
import type { RowPlan, Trial } from './measure.js';
import { fixtureLogSize } from './read-fixture.js';

/** The name of an append row, in every section's table. */
export const appendRowName = (perPublication: number) =>
  `append ${formatCount(eventCount)} events, ${perPublication}/publication, ${entityCount} entities`;
/** The name of the row that reads the fixture's big entity. */
export const readEntityRowName = `readEntity: 1 entity of ${formatCount(eventCount)} events`;
/** The name of the row that reads the fixture's whole log. */
export const readAllRowName = `readAll: log of ${formatCount(fixtureLogSize)} events`;

/** The two sides of every row. */
export type Contender = 'factline' | 'raw';

/** Untimed read trials of each contender before the timed ones (JIT, page cache). */
const readWarmups = 5;

/**
 * The plan of an append row: one warm-up of {@link appendWarmupEventCount}
 * events, then timed trials of {@link eventCount}.
 *
 * @param perPublication Events in each publication.
 * @param trial A trial of one contender appending `total` events, its untimed setup and check included.
 * @param runs Timed trials of each contender.
 * @returns The row's plan.
 */
export function appendRowPlan(
  perPublication: number,
  trial: (contender: Contender, total: number) => Trial,
  runs: number,
): RowPlan {
  return {
    name: appendRowName(perPublication),
    events: eventCount,
    factline: trial('factline', eventCount),
    raw: trial('raw', eventCount),
    warmupFactline: trial('factline', appendWarmupEventCount),
    warmupRaw: trial('raw', appendWarmupEventCount),
    warmups: 1,
    runs,
  };
}

/** The trials of the two read rows, by contender. */
export interface ReadTrials {
  readonly readEntity: Readonly<Record<Contender, Trial>>;
  readonly readAll: Readonly<Record<Contender, Trial>>;
}

/**
 * The plans of the read rows, in table order: readEntity, then readAll.
 *
 * @param trials Each row's trials over the read fixture.
 * @param runs Timed trials of each contender, per row.
 * @returns The rows' plans.
 */
export function readRowPlans(trials: ReadTrials, runs: number): RowPlan[] {
  return [
    {
      name: readEntityRowName,
      events: eventCount,
      ...trials.readEntity,
      warmups: readWarmups,
      runs,
    },
    { name: readAllRowName, events: fixtureLogSize, ...trials.readAll, warmups: readWarmups, runs },
  ];
}

/**
 * Whether any read row is wanted: the read fixture is written only then.
 *
 * @param include Which rows to run, by name.
 */
export function wantsReadRows(include: (row: string) => boolean): boolean {
  return include(readEntityRowName) || include(readAllRowName);
}
