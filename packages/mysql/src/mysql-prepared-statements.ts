import type { MysqlQueryable, MysqlResultHeader, MysqlValue } from './mysql-pool.js';

/**
 * Runs a prepared statement that writes.
 *
 * @param target The pool, or a connection inside a transaction.
 * @param sql The statement; mysql2 prepares it once per connection.
 * @param values Its parameters.
 * @returns What it wrote: the rows it matched, the last insert id.
 */
export async function run(
  target: MysqlQueryable,
  sql: string,
  values: MysqlValue[],
): Promise<MysqlResultHeader> {
  const [header] = await target.execute({ sql }, values);
  return header as MysqlResultHeader;
}

/**
 * Runs a prepared statement that reads, rows as arrays. BIGINTs come as
 * numbers when they are safe integers and as strings otherwise, whatever the
 * pool's own settings; `toInteger` (mysql-integer.ts) takes both.
 *
 * @param target The pool, or a connection.
 * @param sql The statement; mysql2 prepares it once per connection.
 * @param values Its parameters.
 * @returns The rows, each an array of its columns in order.
 */
export async function select(
  target: MysqlQueryable,
  sql: string,
  values: MysqlValue[],
): Promise<unknown[][]> {
  const [rows] = await target.execute(
    { sql, rowsAsArray: true, supportBigNumbers: true, nestTables: false },
    values,
  );
  return rows as unknown[][];
}
