/** The test server a helper talks to, for its messages. */
export interface TestServer {
  /** The database's name for people: `'PostgreSQL'`, `'MySQL'`. */
  readonly label: string;
  /** The URL tried. */
  readonly url: string;
  /** The environment variable that points the tests elsewhere. */
  readonly variable: string;
}

/**
 * Whether an unreachable test server is an error rather than a reason to
 * skip: `FACTLINE_REQUIRE_SERVERS=1`, as CI sets it. Read at each call.
 *
 * @returns Whether the servers are required.
 */
export function serversRequired(): boolean {
  return process.env.FACTLINE_REQUIRE_SERVERS === '1';
}

/**
 * Decides what an unreachable server means: an error when servers are
 * required, else a printed notice and `false`, so a suite skips but never
 * silently.
 *
 * @param server The server tried.
 * @param error Why it did not answer.
 * @returns `false`, to skip the server's tests.
 * @throws {Error} When the servers are required; the cause is `error`.
 */
export function unreachable(server: TestServer, error: unknown): false {
  const where = `${server.label} at ${redactedUrl(server.url)}`;
  if (serversRequired()) {
    throw new Error(`${where} is required (FACTLINE_REQUIRE_SERVERS=1) but unreachable`, {
      cause: error,
    });
  }
  console.warn(
    `${where} is unreachable: skipping its tests (set ${server.variable}, or FACTLINE_REQUIRE_SERVERS=1 to fail instead).`,
  );
  return false;
}

/**
 * A URL fit for messages: any password, in the URL's user part or in a
 * `password` parameter, replaced with `***`.
 *
 * @param url The URL.
 * @returns The URL without its password.
 */
export function redactedUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString();
  } catch {
    return '(a URL that does not parse)';
  }
}
