/** An `.eml` file, read back: its header fields and its body. */
export interface ParsedEml {
  /** The header fields in order, names as written, folded lines joined. */
  readonly fields: readonly { readonly name: string; readonly value: string }[];
  /** Header fields by lower-case name; the first of each name. */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: string;
}

/**
 * Splits an RFC 5322 message into its header fields and its body: fields
 * up to the first empty line, each `Name: value`, a line that starts with
 * white space continuing the one before (folding). Enough to show the
 * outbox; not a MIME decoder.
 *
 * @param text The message.
 * @returns Its fields and body.
 * @throws {Error} It has no empty line, or a line that is not a field.
 */
export function parseEml(text: string): ParsedEml {
  const end = text.indexOf('\r\n\r\n');
  if (end === -1) throw new Error('No empty line ends the header.');
  const fields: { name: string; value: string }[] = [];
  for (const line of text.slice(0, end).split('\r\n')) {
    const last = fields.at(-1);
    if (/^[ \t]/.test(line) && last !== undefined) {
      last.value = `${last.value} ${line.trim()}`;
      continue;
    }
    const field = /^([\x21-\x39\x3b-\x7e]+):[ \t]*(.*)$/.exec(line);
    if (field === null) throw new Error(`Not a header field: ${JSON.stringify(line)}`);
    fields.push({ name: field[1] as string, value: field[2] as string });
  }
  const headers = new Map<string, string>();
  for (const { name, value } of fields) {
    if (!headers.has(name.toLowerCase())) headers.set(name.toLowerCase(), value);
  }
  return { fields, headers, body: text.slice(end + 4) };
}
