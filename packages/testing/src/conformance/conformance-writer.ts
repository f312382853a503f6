/**
 * A writer process of the conformance suite (started by `WriterGroup`, never
 * imported): connects through the harness's worker module, says "ready",
 * waits for the parent's "go" so that all writers start together, runs the
 * round's steps and reports every outcome as a JSON line on stdout.
 */
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  type ConcurrencyError,
  type EntityTypeMismatchError,
  EventStore,
  isFactlineError,
} from '@factline/core';
import { type ConformanceStore, conformanceEvents } from './conformance-events.js';
import type { ConformanceWorkerModule } from './conformance-harness.js';
import type { ParentMessage, WriterMessage, WriterOutcome, WriterStep } from './writer-protocol.js';

function send(message: WriterMessage): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

function failureOf(error: unknown): WriterOutcome {
  if (isFactlineError(error, 'CONCURRENCY')) {
    const { name, code, message, entityId, expectedVersion, actualVersion } =
      error as ConcurrencyError;
    return {
      ok: false,
      failure: { name, code, message, entityId, expectedVersion, actualVersion },
    };
  }
  if (isFactlineError(error, 'ENTITY_TYPE_MISMATCH')) {
    const { name, code, message, entityId } = error as EntityTypeMismatchError;
    return { ok: false, failure: { name, code, message, entityId } };
  }
  if (isFactlineError(error)) {
    return { ok: false, failure: { name: error.name, code: error.code, message: error.message } };
  }
  const { name, message } = error instanceof Error ? error : new Error(String(error));
  return { ok: false, failure: { name, code: null, message } };
}

async function runStep(store: ConformanceStore, step: WriterStep): Promise<WriterOutcome[]> {
  if (step.kind === 'migrate') {
    await store.migrate();
    return [];
  }
  const outcomes: WriterOutcome[] = [];
  for (const [index, publication] of step.publications.entries()) {
    if (index > 0 && step.spacing !== undefined) await sleep(step.spacing);
    try {
      const { position, versions, duplicate } = await store.publish(publication);
      outcomes.push({ ok: true, position, versions, duplicate });
    } catch (error) {
      outcomes.push(failureOf(error));
    }
  }
  return outcomes;
}

async function main(): Promise<void> {
  const input = createInterface({ input: process.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  const lines = input[Symbol.asyncIterator]();
  const receive = async (): Promise<ParentMessage> => {
    const line = await lines.next();
    if (line.done) throw new Error('The parent closed stdin before the writer finished.');
    return JSON.parse(line.value) as ParentMessage;
  };
  try {
    const start = await receive();
    if (start.type !== 'start') throw new Error(`Expected "start", got "${start.type}".`);
    const module = (await import(start.module)) as Partial<ConformanceWorkerModule>;
    if (typeof module.connect !== 'function') {
      throw new Error(`${start.module} does not export connect(config): Promise<Provider>.`);
    }
    const store = new EventStore({
      provider: await module.connect(start.config),
      events: conformanceEvents,
    });
    try {
      if (start.task.migrateFirst !== false) await store.migrate();
      for (const [round, steps] of start.task.rounds.entries()) {
        send({ type: 'ready', round });
        const go = await receive();
        if (go.type !== 'go' || go.round !== round) {
          throw new Error(`Expected "go" for round ${round}, got ${JSON.stringify(go)}.`);
        }
        const outcomes: WriterOutcome[] = [];
        for (const step of steps) outcomes.push(...(await runStep(store, step)));
        send({ type: 'result', round, outcomes });
      }
    } finally {
      await store.close();
    }
  } finally {
    // Let the process exit once the work is done, whatever the parent does with stdin.
    input.close();
    process.stdin.destroy();
  }
}

main().catch((error: unknown) => {
  send({
    type: 'failed',
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  process.exitCode = 1;
});
