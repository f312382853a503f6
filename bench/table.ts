import type { RowResult } from './measure.js';

/** The ratio factline/raw every row should reach, unless the row sets its own. */
export const targetRatio = 0.8;

/** The ratio a row must reach. */
export function targetOf(row: RowResult): number {
  return row.target ?? targetRatio;
}

/**
 * Prints measured rows as a plain-text table, one section per database.
 *
 * @param title The section's heading, e.g. `SQLite (better-sqlite3 12.6.2)`.
 * @param rows The rows to print.
 */
export function printTable(title: string, rows: readonly RowResult[]): void {
  // A target column only when a row has a target of its own.
  const showTargets = rows.some((row) => row.target !== undefined);
  const header = ['row', 'factline events/s', 'raw events/s', 'ratio'];
  if (showTargets) header.push('target');
  const body = rows.map((row) => {
    const ratio = row.factline / row.raw;
    const line = [
      row.name,
      formatRate(row.factline),
      formatRate(row.raw),
      `${ratio.toFixed(2)}×${ratio < targetOf(row) ? '  < target' : ''}`,
    ];
    if (showTargets) line.push(`≥ ${targetOf(row)}×`);
    return line;
  });
  const widths = header.map((cell, column) =>
    Math.max(cell.length, ...body.map((line) => (line[column] as string).length)),
  );
  const format = (line: readonly string[]) =>
    line
      .map((cell, column) =>
        column === 0
          ? cell.padEnd(widths[column] as number)
          : cell.padStart(widths[column] as number),
      )
      .join(' | ')
      .trimEnd();
  console.log(`\n${title}`);
  console.log(format(header));
  console.log(widths.map((width) => '-'.repeat(width)).join('-|-'));
  for (const line of body) console.log(format(line));
}

/** Prints every run of every row, for judging how stable the medians are. */
export function printRuns(rows: readonly RowResult[]): void {
  for (const row of rows) {
    const list = (runs: readonly number[]) => runs.map(formatRate).join(', ');
    console.log(
      `  ${row.name}\n    factline: ${list(row.factlineRuns)}\n    raw:      ${list(row.rawRuns)}`,
    );
  }
}

function formatRate(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}
