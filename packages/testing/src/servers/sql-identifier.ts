/** What a name we put into SQL may hold: letters, digits and underscores. */
const identifierPattern = /^[A-Za-z0-9_]+$/;

/**
 * Checks a schema or database name before it goes into SQL, where a name
 * cannot be a parameter.
 *
 * @param name The name.
 * @param kind What it names, for the message: `'schema'` or `'database'`.
 * @param maxLength The database's longest name (PostgreSQL 63, MySQL 64).
 * @returns The name, unchanged.
 * @throws {TypeError} When the name is empty, too long or holds any other character.
 */
export function checkedIdentifier(name: string, kind: string, maxLength: number): string {
  if (typeof name !== 'string' || !identifierPattern.test(name) || name.length > maxLength) {
    throw new TypeError(
      `${JSON.stringify(name)} is not a valid ${kind} name: use 1 to ${maxLength} letters, digits and underscores.`,
    );
  }
  return name;
}

/**
 * Makes a fresh name for one test run's schema or database: the prefix, the
 * process id, the time and a random part, so parallel runs never meet.
 *
 * @param prefix What the name starts with; letters, digits and underscores.
 * @param kind What it names, for the message.
 * @param maxLength The database's longest name.
 * @returns A valid, unused-looking name.
 * @throws {TypeError} When the prefix would make an invalid name.
 */
export function throwawayName(prefix: string, kind: string, maxLength: number): string {
  const unique = `${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  checkedIdentifier(prefix, `${kind} name prefix`, maxLength - unique.length - 1);
  return `${prefix}_${unique}`;
}
