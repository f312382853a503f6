import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ParsedEml, parseEml } from './parse-eml.js';

/** An email in the outbox. */
export interface OutboxEmail extends ParsedEml {
  readonly file: string;
}

/**
 * The `.eml` files of an outbox folder, oldest event first (event ids are
 * UUID v7, which sort by time).
 *
 * @param folder The outbox.
 * @returns Its emails; none when the folder does not exist.
 */
export async function readOutbox(folder: string): Promise<OutboxEmail[]> {
  const files = await readdir(folder).catch(() => [] as string[]);
  const emails = files.filter((file) => file.endsWith('.eml')).sort();
  return Promise.all(
    emails.map(async (file) => ({ file, ...parseEml(await readFile(join(folder, file), 'utf8')) })),
  );
}
