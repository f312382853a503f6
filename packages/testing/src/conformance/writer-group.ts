import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ConformanceWorker } from './conformance-harness.js';
import { resolveTsxLoader } from './resolve-tsx-loader.js';
import {
  type ParentMessage,
  parseWriterMessage,
  type WriterMessage,
  type WriterOutcome,
  type WriterTask,
} from './writer-protocol.js';

/** How long the parent waits for any one message of a writer. */
const messageTimeout = 45_000;

// From source the writer is the .ts beside this file; built, this file is
// bundled into dist/index.js and the writer is dist/conformance-writer.js.
const fromSource = import.meta.url.endsWith('.ts');
const writerScript = fileURLToPath(
  new URL(`./conformance-writer.${fromSource ? 'ts' : 'js'}`, import.meta.url),
);

const typeScriptFile = /\.[cm]?ts$/;

function moduleUrl(module: string): string {
  return module.startsWith('file:') ? module : pathToFileURL(module).href;
}

function execArgvFor(worker: ConformanceWorker): readonly string[] {
  if (worker.execArgv !== undefined) return worker.execArgv;
  const needsTsx = fromSource || typeScriptFile.test(fileURLToPath(moduleUrl(worker.module)));
  return needsTsx ? ['--import', resolveTsxLoader()] : [];
}

type MessageOf<TType extends WriterMessage['type']> = Extract<WriterMessage, { type: TType }>;

/** One writer process, with its stdout read as a queue of messages. */
class WriterProcess {
  readonly #child: ChildProcessWithoutNullStreams;
  readonly #label: string;
  readonly #messages: WriterMessage[] = [];
  /** The tail of what the process printed besides messages, for error reports. */
  #log = '';
  #exited: string | undefined;
  #wake: (() => void) | undefined;

  constructor(worker: ConformanceWorker, label: string) {
    this.#label = label;
    this.#child = spawn(process.execPath, [...execArgvFor(worker), writerScript], {
      cwd: process.cwd(),
      env: process.env,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    createInterface({ input: this.#child.stdout, crlfDelay: Number.POSITIVE_INFINITY }).on(
      'line',
      (line) => {
        const message = parseWriterMessage(line);
        if (message === undefined) this.#remember(`${line}\n`);
        else this.#messages.push(message);
        this.#wake?.();
      },
    );
    this.#child.stderr.setEncoding('utf8').on('data', (chunk: string) => this.#remember(chunk));
    // Writing to a writer that died fails with EPIPE; its exit is reported
    // through the next message it owes, so only keep the error for the report.
    this.#child.stdin.on('error', (error) => this.#remember(`stdin: ${error.message}\n`));
    this.#child.on('error', (error) => this.#exit(`could not start: ${error.message}`));
    this.#child.on('close', (code, signal) =>
      this.#exit(`exited with ${signal ?? `code ${code}`}`),
    );
  }

  /** Whether the process exited with code 0. */
  get succeeded(): boolean {
    return this.#exited === 'exited with code 0';
  }

  send(message: ParentMessage): void {
    this.#child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  /** Waits for the next message, which must be of `type`. */
  async next<TType extends WriterMessage['type']>(type: TType): Promise<MessageOf<TType>> {
    const deadline = Date.now() + messageTimeout;
    while (this.#messages.length === 0) {
      if (this.#exited !== undefined) throw this.#error(`${this.#exited} before sending "${type}"`);
      const left = deadline - Date.now();
      if (left <= 0) throw this.#error(`sent no "${type}" within ${messageTimeout} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.#wake = undefined;
    }
    const message = this.#messages.shift() as WriterMessage;
    if (message.type === 'failed') {
      // Its stderr may still be on the way; the report is better with it.
      await this.#closed(5000);
      throw this.#error(`failed:\n${message.error}`);
    }
    if (message.type !== type) throw this.#error(`sent "${message.type}" instead of "${type}"`);
    return message as MessageOf<TType>;
  }

  /** Waits for the process to exit. */
  async exit(): Promise<void> {
    this.#child.stdin.end();
    await this.#closed(messageTimeout);
    if (!this.succeeded) {
      throw this.#error(this.#exited ?? `did not exit within ${messageTimeout} ms`);
    }
  }

  kill(): void {
    if (this.#exited === undefined) this.#child.kill('SIGKILL');
  }

  /** Waits until the process has exited and its output is read, or `timeout` ms. */
  async #closed(timeout: number): Promise<void> {
    const deadline = Date.now() + timeout;
    while (this.#exited === undefined && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }

  #remember(text: string): void {
    this.#log = (this.#log + text).slice(-4000);
  }

  #exit(reason: string): void {
    this.#exited ??= reason;
    this.#wake?.();
  }

  #error(problem: string): Error {
    const log = this.#log.trim();
    return new Error(
      `Conformance writer ${this.#label} ${problem}${log ? `\n--- its output ---\n${log}` : ''}`,
    );
  }
}

/**
 * Writer processes that run their rounds in lockstep: each round, the group
 * waits until every writer is ready, then sends "go" to all of them at once,
 * so that their publications really race.
 */
export class WriterGroup {
  readonly #writers: WriterProcess[];
  readonly #rounds: number;
  #round = 0;

  /**
   * Starts one process per task; each connects through `worker.module`.
   *
   * @param worker How the processes reach the store.
   * @param tasks What each process does; all tasks must have as many rounds.
   */
  constructor(worker: ConformanceWorker, tasks: readonly WriterTask[]) {
    const rounds = new Set(tasks.map((task) => task.rounds.length));
    if (rounds.size !== 1) throw new Error('Every writer task needs the same number of rounds.');
    this.#rounds = [...rounds][0] as number;
    const module = moduleUrl(worker.module);
    this.#writers = tasks.map((task, index) => {
      const writer = new WriterProcess(worker, `#${index}`);
      writer.send({ type: 'start', module, config: worker.config, task });
      return writer;
    });
  }

  /**
   * Runs the next round: waits until every writer is ready, releases them
   * together, and collects what each one reports.
   *
   * @returns The outcomes of the round, per writer in task order.
   */
  async runRound(): Promise<WriterOutcome[][]> {
    if (this.#round >= this.#rounds)
      throw new Error(`The writers have only ${this.#rounds} rounds.`);
    const round = this.#round++;
    const ready = await Promise.all(this.#writers.map((writer) => writer.next('ready')));
    if (ready.some((message) => message.round !== round))
      throw new Error(`Writers out of step in round ${round}.`);
    for (const writer of this.#writers) writer.send({ type: 'go', round });
    const results = await Promise.all(this.#writers.map((writer) => writer.next('result')));
    if (results.some((message) => message.round !== round))
      throw new Error(`Writers out of step in round ${round}.`);
    return results.map((result) => [...result.outcomes]);
  }

  /** Waits for every writer to close its connection and exit cleanly. */
  async finish(): Promise<void> {
    await Promise.all(this.#writers.map((writer) => writer.exit()));
  }

  /** Kills every writer that is still running. */
  kill(): void {
    for (const writer of this.#writers) writer.kill();
  }
}
