import type { IncomingMessage } from 'node:http';
import { HttpError } from './http-error.js';

/** Bodies are small commands; anything larger is a mistake or an attack. */
const maxBytes = 64 * 1024;

/**
 * Reads a request's body as JSON. An empty body reads as `{}`, so commands
 * whose fields are all optional need none.
 *
 * @param request The request.
 * @returns The parsed body.
 * @throws {HttpError} 413 when it is too large, 400 when it is not JSON.
 */
export async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) {
      throw new HttpError(
        413,
        'BODY_TOO_LARGE',
        `A request body may be ${maxBytes} bytes at most.`,
      );
    }
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'BAD_JSON', 'The request body is not valid JSON.');
  }
}
