/**
 * `npm run bench`: factline against the raw driver, database by database.
 *
 * Each database contributes a module that measures its rows (see sqlite.ts);
 * PostgreSQL and MariaDB / MySQL share the server rows of server-rows.ts.
 * What SQLite and the servers have in common lives once: the rows' sizes
 * (event-log-sizes.ts), names and plans (event-log-row-plans.ts), their
 * events (stock-events.ts), the read fixture's shape (read-fixture.ts),
 * factline's side of them (factline-append.ts, factline-reads.ts) and the raw
 * readers' events (read-event.ts).
 */
import { cpus, loadavg } from 'node:os';
import { aggregateNotes, aggregateRows } from './aggregates.js';
import type { RowResult } from './measure.js';
import { mysqlNotes, mysqlRows, mysqlTitle, mysqlUnavailable } from './mysql.js';
import { postgresNotes, postgresRows, postgresTitle, postgresUnavailable } from './postgres.js';
import { projectionNotes, projectionRows } from './projections.js';
import { sqliteNotes, sqliteRows, sqliteTitle } from './sqlite.js';
import { printRuns, printTable, targetOf, targetRatio } from './table.js';

interface Section {
  /** A short name: `npm run bench -- postgres` runs only the sections it names. */
  readonly name: string;
  /** Why the section cannot run now (its server is unreachable); `undefined` when it can. */
  readonly unavailable?: () => Promise<string | undefined>;
  readonly title: () => string;
  /** What the rows do, printed under the table. */
  readonly notes: readonly string[];
  readonly rows: (
    log: (message: string) => void,
    include: (row: string) => boolean,
  ) => Promise<RowResult[]>;
}

const sections: readonly Section[] = [
  { name: 'sqlite', title: sqliteTitle, notes: sqliteNotes, rows: sqliteRows },
  {
    name: 'postgres',
    unavailable: postgresUnavailable,
    title: postgresTitle,
    notes: postgresNotes,
    rows: postgresRows,
  },
  {
    name: 'mysql',
    unavailable: mysqlUnavailable,
    title: mysqlTitle,
    notes: mysqlNotes,
    rows: mysqlRows,
  },
  {
    name: 'projections',
    title: () => 'Projectors: catch-up and latency',
    notes: projectionNotes,
    rows: projectionRows,
  },
  {
    name: 'aggregates',
    title: () => 'Aggregate loads (Repository.get), SQLite and PostgreSQL',
    notes: aggregateNotes,
    rows: aggregateRows,
  },
];

const log = (message: string) => console.error(message);
// `npm run bench -- read` runs only the rows whose name contains "read";
// `npm run bench -- postgres mysql` only those sections; both combine.
const words = process.argv.slice(2).map((word) => word.toLowerCase());
const sectionWords = words.filter((word) => sections.some((section) => section.name === word));
const filters = words.filter((word) => !sectionWords.includes(word));
const include = (row: string) =>
  filters.length === 0 || filters.some((word) => row.toLowerCase().includes(word));
const chosen = sections.filter(
  (section) => sectionWords.length === 0 || sectionWords.includes(section.name),
);
const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(', ');
const started = performance.now();
console.log(`factline benchmark — ${new Date().toISOString()}`);
console.log(
  `Node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}`,
);
console.log(
  `Each row: warm-up, then factline and raw trials alternating; the median of the runs. Target ratio ≥ ${targetRatio} unless the row says otherwise.`,
);
console.log(`Load average at the start: ${load()}`);

const measured: { name: string; title: string; notes: readonly string[]; rows: RowResult[] }[] = [];
const skipped: string[] = [];
for (const section of chosen) {
  const reason = await section.unavailable?.();
  if (reason !== undefined) {
    log(`${section.name}: skipped — ${reason}`);
    skipped.push(`${section.name}: skipped — ${reason}`);
    continue;
  }
  const title = section.title();
  log(`${title} (load average ${load()})`);
  measured.push({
    name: section.name,
    title,
    notes: section.notes,
    rows: await section.rows(log, include),
  });
}
for (const { title, notes, rows } of measured) {
  printTable(title, rows);
  for (const note of notes) console.log(`  ${note}`);
}
for (const line of skipped) console.log(`\n${line}`);
console.log('\nEvery run (events/s):');
for (const { name, rows } of measured) {
  console.log(`${name}:`);
  printRuns(rows);
}
const below = measured.flatMap(({ name, rows }) =>
  rows
    .filter((row) => row.factline / row.raw < targetOf(row))
    .map((row) => `${name}: ${row.name} (target ${targetOf(row)}×)`),
);
const rowCount = measured.reduce((sum, { rows }) => sum + rows.length, 0);
console.log(
  rowCount === 0
    ? '\nNo rows were measured.'
    : below.length === 0
      ? '\nEvery row reaches its target ratio.'
      : `\nBelow target:\n  ${below.join('\n  ')}`,
);
console.log(`Load average at the end: ${load()}`);
console.log(`Total ${((performance.now() - started) / 1000).toFixed(1)} s`);
