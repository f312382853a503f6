/**
 * A tiny SMTP server for tests: it accepts every message and keeps it, so a
 * test can check what `SmtpTransport` sent. Plain SMTP, no TLS, no auth.
 */
import { createServer, type Server, type Socket } from 'node:net';

/** A message the server received. */
export interface ReceivedMail {
  readonly from: string;
  readonly to: readonly string[];
  /** The message as sent, after DATA: an RFC 5322 message. */
  readonly data: string;
}

/** The running server: its URL, what it received, and how to stop it. */
export interface FakeSmtpServer {
  readonly url: string;
  readonly received: readonly ReceivedMail[];
  close(): Promise<void>;
}

/**
 * Starts the server on a free port of 127.0.0.1.
 *
 * @returns The server.
 */
export async function startFakeSmtpServer(): Promise<FakeSmtpServer> {
  const received: ReceivedMail[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    converse(socket, (mail) => received.push(mail));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The server's side of one SMTP conversation. */
function converse(socket: Socket, deliver: (mail: ReceivedMail) => void): void {
  let buffer = '';
  let from = '';
  let to: string[] = [];
  let data: string | undefined;
  const reply = (line: string) => socket.write(`${line}\r\n`);
  reply('220 fake-smtp ready');
  socket.on('data', (chunk) => {
    buffer += chunk.toString('utf8');
    for (;;) {
      if (data !== undefined) {
        const end = buffer.indexOf('\r\n.\r\n');
        if (end === -1) return;
        // Undo dot-stuffing: a line starting with '..' was sent for one starting with '.'.
        const message = `${data}${buffer.slice(0, end + 2)}`.replace(/^\.\./gm, '.');
        buffer = buffer.slice(end + 5);
        data = undefined;
        deliver({ from, to, data: message });
        reply('250 OK: queued');
        continue;
      }
      const end = buffer.indexOf('\r\n');
      if (end === -1) return;
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const verb = line.slice(0, 4).toUpperCase();
      if (verb === 'EHLO' || verb === 'HELO') reply('250 fake-smtp');
      else if (verb === 'MAIL') {
        from = /<(.*)>/.exec(line)?.[1] ?? '';
        to = [];
        reply('250 OK');
      } else if (verb === 'RCPT') {
        to.push(/<(.*)>/.exec(line)?.[1] ?? '');
        reply('250 OK');
      } else if (verb === 'DATA') {
        data = '';
        reply('354 End data with <CR><LF>.<CR><LF>');
      } else if (verb === 'QUIT') {
        reply('221 Bye');
        socket.end();
        return;
      } else reply('250 OK');
    }
  });
}
