/**
 * `npm run bench`: factline against the raw driver, database by database.
 *
 * Each database contributes a module that measures its rows (see sqlite.ts);
 * PostgreSQL and MySQL rows go in their own modules, added to `sections`.
 */
import { cpus } from 'node:os';
import type { RowResult } from './measure.js';
import { sqliteNotes, sqliteRows, sqliteTitle } from './sqlite.js';
import { printRuns, printTable, targetRatio } from './table.js';

interface Section {
  readonly title: () => string;
  /** What the rows do, printed under the table. */
  readonly notes: readonly string[];
  readonly rows: (
    log: (message: string) => void,
    include: (row: string) => boolean,
  ) => Promise<RowResult[]>;
}

const sections: readonly Section[] = [{ title: sqliteTitle, notes: sqliteNotes, rows: sqliteRows }];

const log = (message: string) => console.error(message);
// `npm run bench -- read` runs only the rows whose name contains "read".
const filters = process.argv.slice(2).map((word) => word.toLowerCase());
const include = (row: string) =>
  filters.length === 0 || filters.some((word) => row.toLowerCase().includes(word));
const started = performance.now();
console.log(`factline benchmark — ${new Date().toISOString()}`);
console.log(
  `Node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}`,
);
console.log(
  `Each row: warm-up, then factline and raw trials alternating; the median of the runs. Target ratio ≥ ${targetRatio}.`,
);

const measured: { title: string; notes: readonly string[]; rows: RowResult[] }[] = [];
for (const section of sections) {
  const title = section.title();
  log(`${title}`);
  measured.push({ title, notes: section.notes, rows: await section.rows(log, include) });
}
for (const { title, notes, rows } of measured) {
  printTable(title, rows);
  for (const note of notes) console.log(`  ${note}`);
}
console.log('\nEvery run (events/s):');
for (const { rows } of measured) printRuns(rows);
const below = measured.flatMap(({ rows }) =>
  rows.filter((row) => row.factline / row.raw < targetRatio).map((row) => row.name),
);
console.log(
  below.length === 0
    ? `\nEvery row reaches ${targetRatio}× raw.`
    : `\nBelow ${targetRatio}× raw: ${below.join('; ')}.`,
);
console.log(`Total ${((performance.now() - started) / 1000).toFixed(1)} s`);
