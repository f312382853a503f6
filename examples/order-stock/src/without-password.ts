/**
 * A connection URL fit for a log: its password masked.
 *
 * @param url The URL.
 * @returns The URL with `***` for a password.
 */
export function withoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(not a URL)';
  }
}
