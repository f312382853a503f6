/** What `LISTEN` needs of a connection: queries, and pg's `Client` events. */
export interface PostgresListenConnection {
  query(text: string): Promise<unknown>;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** A dedicated connection, and how to give it back: `broken` when it must not be reused. */
export interface OpenedListenConnection {
  readonly connection: PostgresListenConnection;
  close(broken: boolean): Promise<void>;
}

/** How a {@link PostgresListener} reaches the database. */
export interface PostgresListenerConfig {
  /** The channel, at most 63 bytes; quoted here. */
  readonly channel: string;
  /** Opens a connection of its own for `LISTEN`. */
  open(): Promise<OpenedListenConnection>;
  /** The first delay before reconnecting after a lost connection, in ms (default 100). */
  readonly reconnectDelay?: number;
  /** The longest delay between reconnection attempts, in ms (default 5,000). */
  readonly maxReconnectDelay?: number;
}

/**
 * One `LISTEN` connection shared by every watcher of a provider: opened by
 * the first, closed after the last stops. A lost connection is reopened with
 * backoff, and every watcher is called once after that, since publications
 * may have been missed meanwhile.
 */
export class PostgresListener {
  readonly #config: PostgresListenerConfig;
  readonly #listeners = new Set<() => void>();
  #session: ListenSession | undefined;

  /** @param config The channel and how to connect. */
  constructor(config: PostgresListenerConfig) {
    this.#config = config;
  }

  /**
   * Calls `listener` on every notification of the channel, from when this
   * resolves.
   *
   * @returns Stops calling it; the connection is closed after the last one stops.
   * @throws The first connection or `LISTEN` failed.
   */
  async add(listener: () => void): Promise<() => Promise<void>> {
    // A function of its own per call, so that adding one listener twice needs two stops.
    const entry = () => listener();
    this.#listeners.add(entry);
    this.#session ??= new ListenSession(this.#config, () => this.#notifyAll());
    const session = this.#session;
    try {
      await session.ready;
    } catch (error) {
      await this.#remove(entry, session);
      throw error;
    }
    let stopped = false;
    return async () => {
      if (stopped) return;
      stopped = true;
      await this.#remove(entry, session);
    };
  }

  /** Stops listening at once, whoever still watches. */
  async close(): Promise<void> {
    this.#listeners.clear();
    const session = this.#session;
    this.#session = undefined;
    await session?.stop();
  }

  async #remove(entry: () => void, session: ListenSession): Promise<void> {
    this.#listeners.delete(entry);
    if (this.#listeners.size > 0 || this.#session !== session) return;
    this.#session = undefined;
    await session.stop();
  }

  #notifyAll(): void {
    for (const listener of this.#listeners) {
      try {
        listener();
      } catch (error) {
        process.emitWarning(`A watch() listener threw: ${String(error)}`, {
          code: 'FACTLINE_WATCH_LISTENER',
        });
      }
    }
  }
}

/** A connection that listens, and how to stop hearing it. */
interface Listening {
  readonly opened: OpenedListenConnection;
  detach(): void;
}

/** One period of listening: a connection, reopened when lost, until stopped. */
class ListenSession {
  /** Settles when the first `LISTEN` succeeded or failed. */
  readonly ready: Promise<void>;
  readonly #config: PostgresListenerConfig;
  readonly #notify: () => void;
  #current: Listening | undefined;
  #stopped = false;
  #reconnecting: Promise<void> | undefined;
  #cancelDelay: (() => void) | undefined;

  constructor(config: PostgresListenerConfig, notify: () => void) {
    this.#config = config;
    this.#notify = notify;
    this.ready = this.#listen();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancelDelay?.();
    await this.ready.catch(() => undefined);
    await this.#reconnecting;
    const current = this.#current;
    this.#current = undefined;
    if (current !== undefined) await this.#close(current, false);
  }

  /** Opens a connection and listens on it; from then on, a loss starts reconnecting. */
  async #listen(): Promise<void> {
    const opened = await this.#config.open();
    const { connection } = opened;
    const channel = this.#config.channel;
    let lost = false;
    const onNotification = (message: unknown) => {
      if ((message as { channel?: unknown } | null)?.channel === channel) this.#notify();
    };
    const onLost = () => {
      if (lost) return;
      lost = true;
      if (this.#current === current) this.#lost(current);
    };
    const current: Listening = {
      opened,
      detach() {
        connection.removeListener('notification', onNotification);
        connection.removeListener('end', onLost);
        connection.removeListener('error', onLost);
      },
    };
    connection.on('notification', onNotification);
    connection.on('error', onLost);
    connection.on('end', onLost);
    try {
      await connection.query(`LISTEN ${quoteIdentifier(channel)}`);
      if (lost) throw new Error('The LISTEN connection was lost as it started listening.');
    } catch (error) {
      await this.#close(current, true);
      throw error;
    }
    if (this.#stopped) {
      await this.#close(current, false);
      return;
    }
    this.#current = current;
  }

  #lost(current: Listening): void {
    this.#current = undefined;
    void this.#close(current, true);
    if (this.#stopped) return;
    this.#reconnecting = this.#reconnect().finally(() => {
      this.#reconnecting = undefined;
    });
  }

  async #reconnect(): Promise<void> {
    const first = this.#config.reconnectDelay ?? 100;
    const longest = this.#config.maxReconnectDelay ?? 5000;
    for (let attempt = 0; !this.#stopped; attempt++) {
      await this.#delay(Math.min(longest, first * 2 ** attempt) * (0.5 + Math.random() / 2));
      if (this.#stopped) return;
      try {
        await this.#listen();
      } catch {
        continue;
      }
      if (this.#stopped) return;
      // Publications committed while it was away sent notifications no one heard.
      this.#notify();
      return;
    }
  }

  async #close(current: Listening, broken: boolean): Promise<void> {
    const { connection } = current.opened;
    current.detach();
    // A late error of a connection being closed is expected; unheard, it would crash the process.
    const ignore = () => undefined;
    connection.on('error', ignore);
    let reusable = !broken;
    if (reusable) {
      try {
        await connection.query(`UNLISTEN ${quoteIdentifier(this.#config.channel)}`);
      } catch {
        reusable = false;
      }
    }
    try {
      await current.opened.close(!reusable);
    } catch {
      // Closing a broken connection may fail too; it is gone either way.
    } finally {
      // A pooled client that goes back to its pool must not keep our listener.
      if (reusable) connection.removeListener('error', ignore);
    }
  }

  #delay(milliseconds: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, milliseconds);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#cancelDelay = done;
    });
  }
}

/** Quotes a name for SQL: in double quotes, with any double quote doubled. */
function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
