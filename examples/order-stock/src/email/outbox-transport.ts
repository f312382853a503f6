import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer from 'nodemailer';
import type { EmailMessage } from './email-message.js';
import type { EmailTransport } from './email-transport.js';
import { nodemailerOptions } from './nodemailer-options.js';

const safeFileName = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;

/**
 * Writes each email as an RFC 5322 `.eml` file — open it in any mail
 * program — named after the message's id (the event's id), so a redelivered
 * event overwrites its file instead of adding a second email. The default
 * transport: the example needs no mail server.
 */
export class OutboxTransport implements EmailTransport {
  /** The folder the `.eml` files are written to. */
  readonly folder: string;
  readonly description: string;
  // nodemailer's stream transport composes the message without sending it anywhere.
  readonly #composer = nodemailer.createTransport({
    streamTransport: true,
    buffer: true,
    newline: 'windows', // RFC 5322 lines end in CRLF
  });

  /** @param folder Where to write; created when missing. */
  constructor(folder: string) {
    this.folder = folder;
    this.description = `.eml files in ${folder}`;
  }

  /**
   * The file a message is written to.
   *
   * @param messageId The message's `id`.
   * @returns Its path.
   */
  fileOf(messageId: string): string {
    if (!safeFileName.test(messageId)) throw new Error(`Not a safe file name: ${messageId}`);
    return join(this.folder, `${messageId}.eml`);
  }

  async send(message: EmailMessage): Promise<void> {
    const file = this.fileOf(message.id);
    const { message: eml } = await this.#composer.sendMail(nodemailerOptions(message));
    await mkdir(this.folder, { recursive: true });
    await writeAtomically(file, eml as Buffer);
  }

  async close(): Promise<void> {
    this.#composer.close();
  }
}

/**
 * Writes a file whole or not at all: into a temporary file first, synced to
 * disk, then renamed over the target. A reader never sees half a message,
 * and once `send` returns — and the reactor moves its checkpoint past the
 * event — the email survives a power cut.
 */
async function writeAtomically(file: string, content: Buffer): Promise<void> {
  const temporary = `${file}.${randomUUID()}.tmp`;
  try {
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(content);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
  await syncFolder(join(file, '..'));
}

/** Makes the rename itself durable. Windows cannot open a folder for syncing: skip it there. */
async function syncFolder(folder: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(folder, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
