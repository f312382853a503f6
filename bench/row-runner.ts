import { loadavg } from 'node:os';
import { measureRow, type RowPlan, type RowResult } from './measure.js';

/** Measures the rows a section's filter lets through, and keeps their results in order. */
export interface RowRunner {
  /** Measures the row, unless the filter leaves it out. */
  run(plan: RowPlan): Promise<void>;
  /** The rows measured so far, in the order they ran. */
  readonly results: RowResult[];
}

/**
 * A runner for one section's rows.
 *
 * @param log Where to say how long each row took, and the load average after it.
 * @param include Which rows to run, by name.
 * @returns The runner.
 */
export function rowRunner(
  log: (message: string) => void,
  include: (row: string) => boolean,
): RowRunner {
  const results: RowResult[] = [];
  return {
    results,
    async run(plan) {
      if (!include(plan.name)) return;
      const started = performance.now();
      const result = await measureRow(plan);
      log(
        `  ${plan.name}: ${((performance.now() - started) / 1000).toFixed(1)} s (load average ${loadavg()[0]?.toFixed(2)})`,
      );
      results.push(result);
    },
  };
}
