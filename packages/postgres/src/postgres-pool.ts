/** The result of a query: what factline reads of pg's `QueryResult`. */
export interface PostgresQueryResult<TRow> {
  readonly rows: TRow[];
  readonly rowCount: number | null;
}

/** A query with its parameters; `name` makes pg prepare it once per connection. */
export interface PostgresQueryConfig {
  readonly text: string;
  readonly values?: unknown[];
  readonly name?: string;
  /** `'array'`: each row as an array of its columns, in order. */
  readonly rowMode?: 'array';
}

/**
 * The transaction handle that read-model handlers and inline projections get
 * on PostgreSQL: the pool's client, inside `BEGIN`. pg's `PoolClient`
 * satisfies it.
 *
 * @example
 * ```ts
 * await tx.query('UPDATE stock SET available = available - $1 WHERE sku = $2', [quantity, sku]);
 * ```
 */
export interface PostgresTransaction {
  query<TRow = Record<string, unknown>>(
    text: string,
    values?: unknown[],
  ): Promise<PostgresQueryResult<TRow>>;
  query<TRow = Record<string, unknown>>(
    config: PostgresQueryConfig,
  ): Promise<PostgresQueryResult<TRow>>;
}

/** The subset of pg's `PoolClient` that factline uses. */
export interface PostgresClient extends PostgresTransaction {
  release(error?: Error | boolean): void;
  /**
   * pg's client events. pg emits the error of a connection that breaks
   * between queries (a server restart, a killed backend) on its client; on a
   * client taken out of the pool, with no listener, that crashes the process.
   */
  on?(event: 'error', listener: (error: Error) => void): unknown;
  removeListener?(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * The subset of pg's `Pool` that factline uses. Typed structurally, so any
 * compatible pool works and core never imports the driver.
 */
export interface PostgresPool {
  query<TRow = Record<string, unknown>>(
    config: PostgresQueryConfig,
  ): Promise<PostgresQueryResult<TRow>>;
  connect(): Promise<PostgresClient>;
  end(): Promise<void>;
}
