import type { EntityVersion, ExpectedVersion } from '@factline/core';
import type { ConformancePublication } from './conformance-events.js';
import type { JsonValue } from './conformance-harness.js';

/** One thing a writer process does after a "go". */
export type WriterStep =
  | { readonly kind: 'migrate' }
  /** Publishes one after the other, reporting each outcome, failures included. */
  | {
      readonly kind: 'publish';
      readonly publications: readonly ConformancePublication[];
      /**
       * Milliseconds to wait between publications, so that writers take
       * turns (waiting SQLite writers sleep, so a busy one keeps the lock).
       */
      readonly spacing?: number;
    };

/** What one writer process does. */
export interface WriterTask {
  /** Migrate right after connecting, before the first "ready" (default `true`). */
  readonly migrateFirst?: boolean;
  /** The steps of each round; round `r` starts at the parent's `r`-th "go". */
  readonly rounds: readonly (readonly WriterStep[])[];
}

/** A failed publication, as a writer reports it. */
export interface WriterFailure {
  readonly name: string;
  /** The factline error code, `null` for any other error. */
  readonly code: string | null;
  readonly message: string;
  /** Set for `CONCURRENCY` and `ENTITY_TYPE_MISMATCH`. */
  readonly entityId?: string;
  /** Set for `CONCURRENCY`. */
  readonly expectedVersion?: ExpectedVersion;
  /** Set for `CONCURRENCY`. */
  readonly actualVersion?: number | null;
}

/** How one publication of a writer ended. */
export type WriterOutcome =
  | {
      readonly ok: true;
      readonly position: number;
      readonly versions: readonly EntityVersion[];
      readonly duplicate: boolean;
    }
  | { readonly ok: false; readonly failure: WriterFailure };

/** A message from the parent to a writer, one JSON line on its stdin. */
export type ParentMessage =
  | {
      readonly type: 'start';
      /** A `file:` URL. */
      readonly module: string;
      readonly config: JsonValue;
      readonly task: WriterTask;
    }
  | { readonly type: 'go'; readonly round: number };

/** A message from a writer to the parent, one JSON line on its stdout. */
export type WriterMessage =
  | { readonly type: 'ready'; readonly round: number }
  | { readonly type: 'result'; readonly round: number; readonly outcomes: readonly WriterOutcome[] }
  | { readonly type: 'failed'; readonly error: string };

const writerMessageTypes: ReadonlySet<string> = new Set(['ready', 'result', 'failed']);

/**
 * Reads a line of a writer's stdout as a protocol message.
 *
 * @param line One line of output.
 * @returns The message, or `undefined` for anything else the process printed.
 */
export function parseWriterMessage(line: string): WriterMessage | undefined {
  if (!line.startsWith('{')) return undefined;
  try {
    const value: unknown = JSON.parse(line);
    const type = (value as { type?: unknown }).type;
    return typeof type === 'string' && writerMessageTypes.has(type)
      ? (value as WriterMessage)
      : undefined;
  } catch {
    return undefined;
  }
}
