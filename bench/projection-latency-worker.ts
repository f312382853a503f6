/**
 * The other process of the PostgreSQL latency row: a projector woken by
 * LISTEN/NOTIFY, printing the wall-clock time each page commits.
 */
import { EventStore } from '@factline/core';
import { PostgresProvider } from '@factline/postgres';
import { depositEvents } from './deposit-events.js';
import { latencyProjector } from './latency-projector.js';

const provider = new PostgresProvider({
  connectionString: process.env.POSTGRES_URL,
  schema: process.env.BENCH_SCHEMA,
});
const store = new EventStore({ provider, events: depositEvents });
const projector = latencyProjector('latency-remote', store, provider, (report) =>
  process.stdout.write(
    `${JSON.stringify({ to: report.to, at: performance.timeOrigin + performance.now() })}\n`,
  ),
);
await projector.runUntilCaughtUp();
const running = projector.start();
process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
process.on('SIGTERM', () => {
  void projector.stop();
});
await running;
await store.close();
