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
}

/** The subset of pg's `PoolClient` that factline uses. */
export interface PostgresClient {
  query<TRow = Record<string, unknown>>(
    config: PostgresQueryConfig,
  ): Promise<PostgresQueryResult<TRow>>;
  release(error?: Error | boolean): void;
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
