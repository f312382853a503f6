/**
 * A BIGINT as a number. mysql2 gives BIGINTs as numbers when they are safe
 * integers and as strings otherwise (`supportBigNumbers`); JSON gives numbers.
 *
 * @param value A number, or a string of digits.
 * @returns The number.
 * @throws {Error} When a number cannot hold it exactly.
 */
export function toInteger(value: unknown): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number)) {
    throw new Error(`Expected an integer the database holds exactly; got ${String(value)}.`);
  }
  return number;
}
