import type { IncomingMessage } from 'node:http';
import type { ShopApp } from '../shop-app.js';

/** What a route's handler gets. */
export interface RouteContext {
  readonly app: ShopApp;
  /** The path's parameters, decoded, in the pattern's order. */
  readonly params: readonly string[];
  readonly url: URL;
  readonly request: IncomingMessage;
  /** Ties the events a request causes together; from `X-Request-Id`, or new. */
  readonly correlationId: string;
  /** Reads the JSON body. */
  body(): Promise<unknown>;
  /**
   * Who makes the request: the `X-Actor` header (a real app would take it
   * from its authentication), else `fallback`.
   */
  actor(fallback: string): string;
}

/** What a handler answers: a status and a JSON body. */
export interface Reply {
  readonly status: number;
  readonly body: unknown;
}

/** One endpoint: a method, a path pattern whose groups are the parameters, a handler. */
export interface Route {
  readonly method: 'GET' | 'POST';
  readonly pattern: RegExp;
  handle(context: RouteContext): Promise<Reply>;
}
