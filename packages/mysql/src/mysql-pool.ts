/** What factline reads of mysql2's `ResultSetHeader` after an INSERT or UPDATE. */
export interface MysqlResultHeader {
  /** Rows matched (mysql2 sets `CLIENT_FOUND_ROWS`) or written. */
  readonly affectedRows: number;
  /** The value of `LAST_INSERT_ID(expr)` when the statement set it; a string with `bigNumberStrings`. */
  readonly insertId: number | string;
}

/** A statement with per-query options; mysql2 prepares it once per connection. */
export interface MysqlQueryOptions {
  readonly sql: string;
  /** Rows as arrays, in column order. */
  readonly rowsAsArray?: boolean;
  /** BIGINTs as numbers when they are safe integers, else as strings (never silently rounded). */
  readonly supportBigNumbers?: boolean;
  /** Columns keyed by name alone, whatever the pool says. */
  readonly nestTables?: boolean;
}

/** A value factline binds to a placeholder. */
export type MysqlValue = string | number | null;

/** The calls factline makes on a pool or on one of its connections. */
export interface MysqlQueryable {
  /** A prepared statement (binary protocol): values travel apart from the SQL. */
  execute(options: MysqlQueryOptions, values?: MysqlValue[]): Promise<[unknown, unknown]>;
  /** A statement without values (text protocol): transaction control and DDL. */
  query(sql: string): Promise<[unknown, unknown]>;
}

/** A value read-model work may bind to a placeholder. */
export type MysqlBindValue = string | number | bigint | boolean | Date | Buffer | null;

/**
 * The handle read-model work gets: a connection of the provider's pool
 * inside a transaction (mysql2's promise `PoolConnection` is one). Await
 * every statement, so that it belongs to the transaction; never commit or
 * roll back on it.
 *
 * @example
 * ```ts
 * await tx.execute('UPDATE stock SET available = available - ? WHERE sku = ?', [quantity, sku]);
 * ```
 */
export interface MysqlTransaction {
  /** A prepared statement (binary protocol). */
  execute(sql: string | MysqlQueryOptions, values?: MysqlBindValue[]): Promise<[unknown, unknown]>;
  /** A statement on the text protocol; the driver escapes `values` into it. */
  query(sql: string | MysqlQueryOptions, values?: MysqlBindValue[]): Promise<[unknown, unknown]>;
}

/** The subset of mysql2's promise `PoolConnection` that factline uses. */
export interface MysqlPoolConnection extends MysqlQueryable {
  /** Returns the connection to its pool. */
  release(): void;
  /** Closes the connection and drops it from its pool (after an error that may have broken it). */
  destroy(): void;
}

/**
 * The subset of mysql2's promise `Pool` (`mysql2/promise`) that factline
 * uses. Typed structurally, so any compatible pool works and core never
 * imports the driver.
 */
export interface MysqlPool extends MysqlQueryable {
  getConnection(): Promise<MysqlPoolConnection>;
  end(): Promise<void>;
}
