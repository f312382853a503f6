/**
 * The part of better-sqlite3's `Database` factline uses. Typed structurally,
 * so core never imports the driver and any compatible instance works.
 */
export interface SqliteDatabase {
  prepare(sql: string): SqliteStatement;
  exec(sql: string): unknown;
  pragma(source: string, options?: { simple?: boolean }): unknown;
  transaction<TArgs extends unknown[], TResult>(
    fn: (...args: TArgs) => TResult,
  ): SqliteTransaction<TArgs, TResult>;
  close(): unknown;
  readonly memory: boolean;
  readonly open: boolean;
}

/** The part of better-sqlite3's `Statement` factline uses. */
export interface SqliteStatement {
  run(...params: unknown[]): { changes: number };
  get(...params: unknown[]): unknown;
  all(...params: unknown[]): unknown[];
  pluck(toggle?: boolean): SqliteStatement;
  /** Rows as arrays; used for event reads when the driver has it. */
  raw?(toggle?: boolean): SqliteStatement;
}

/** A better-sqlite3 transaction function. */
export interface SqliteTransaction<TArgs extends unknown[], TResult> {
  (...args: TArgs): TResult;
  immediate(...args: TArgs): TResult;
}
