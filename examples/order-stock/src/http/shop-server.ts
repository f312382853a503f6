import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ShopApp } from '../shop-app.js';
import { errorResponse } from './error-response.js';
import { HttpError } from './http-error.js';
import { readJsonBody } from './read-json-body.js';
import type { Reply, Route, RouteContext } from './route.js';
import { routes } from './routes.js';

/**
 * The shop's HTTP API on node:http: JSON in, JSON out. Errors become
 * statuses in one place (`errorResponse`).
 *
 * @example
 * ```ts
 * const server = createShopServer(app);
 * server.listen(3000);
 * ```
 *
 * @param app The open shop.
 * @param log Where unexpected errors are reported (500s).
 * @returns The server, not listening yet.
 */
export function createShopServer(
  app: ShopApp,
  log: (message: string, error: unknown) => void = console.error,
): Server {
  return createServer((request, response) => {
    const correlationId = headerOf(request, 'x-request-id') ?? randomUUID();
    response.setHeader('X-Request-Id', correlationId);
    handle(app, request, correlationId).then(
      (reply) => send(response, reply.status, reply.body),
      (error: unknown) => {
        const { status, headers, body } = errorResponse(error);
        if (status === 500) log(`${request.method} ${request.url} failed:`, error);
        for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
        send(response, status, body);
      },
    );
  });
}

async function handle(
  app: ShopApp,
  request: IncomingMessage,
  correlationId: string,
): Promise<Reply> {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const { route, params } = match(request.method ?? 'GET', url.pathname);
  const context: RouteContext = {
    app,
    params,
    url,
    request,
    correlationId,
    body: () => readJsonBody(request),
    actor: (fallback) => headerOf(request, 'x-actor') ?? fallback,
  };
  return route.handle(context);
}

/** The route for a method and a path; 404 or 405 when there is none. */
function match(method: string, path: string): { route: Route; params: string[] } {
  const allowed: string[] = [];
  for (const route of routes) {
    const found = route.pattern.exec(path);
    if (found === null) continue;
    if (route.method !== method) {
      allowed.push(route.method);
      continue;
    }
    try {
      return { route, params: found.slice(1).map((param) => decodeURIComponent(param)) };
    } catch {
      throw new HttpError(400, 'BAD_REQUEST', `The path ${path} is not properly encoded.`);
    }
  }
  if (allowed.length > 0) {
    throw new HttpError(405, 'METHOD_NOT_ALLOWED', `${method} ${path} is not allowed.`, {
      Allow: allowed.join(', '),
    });
  }
  throw new HttpError(404, 'NOT_FOUND', `There is nothing at ${path}.`);
}

function headerOf(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  const text = Array.isArray(value) ? value[0] : value;
  return text === undefined || text.trim() === '' ? undefined : text.trim();
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body, null, 2)}\n`;
  response.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}
