import { isFactlineError } from '@factline/core';
import * as v from 'valibot';
import { isShopError } from '../domain/shop-error.js';
import { HttpError } from './http-error.js';

/** What the server answers for an error: a status and a JSON body. */
export interface ErrorResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: {
    readonly error: { readonly code: string; readonly message: string } & Record<string, unknown>;
  };
}

/**
 * Turns what a request threw into a response. The mapping lives here, not in
 * the errors: the domain and factline know nothing of HTTP.
 *
 * - 400: the request is wrong — a body that fails its schema (valibot), event
 *   details that fail theirs (`VALIDATION`), an impossible argument.
 * - 404: no such product or order (`AGGREGATE_NOT_FOUND`), no such route.
 * - 409: the request conflicts with the shop's state — out of stock, an id
 *   that is taken, or a `ConcurrencyError` that outlasted the retries.
 *   Sending it again later may succeed; sending it unchanged now will not.
 * - 500: anything else; the details go to the log, not to the client.
 *
 * @param error What was thrown.
 * @returns The response.
 */
export function errorResponse(error: unknown): ErrorResponse {
  if (error instanceof HttpError)
    return respond(error.status, error.code, error, {}, error.headers);
  if (v.isValiError(error)) {
    return respond(400, 'BAD_REQUEST', error, { issues: issuesOf(error.issues) });
  }
  if (isShopError(error)) {
    const { name, message, stack, code, ...facts } = error;
    return respond(409, code, error, facts);
  }
  if (isFactlineError(error, 'VALIDATION')) {
    return respond(400, error.code, error, { issues: issuesOf(error.issues) });
  }
  if (isFactlineError(error, 'INVALID_ARGUMENT') || isFactlineError(error, 'SERIALIZATION')) {
    return respond(400, error.code, error);
  }
  if (isFactlineError(error, 'AGGREGATE_NOT_FOUND')) {
    return respond(404, error.code, error, { type: error.aggregateType, id: error.aggregateId });
  }
  if (isFactlineError(error, 'CONCURRENCY')) {
    const { entityId, expectedVersion, actualVersion } = error;
    return respond(409, error.code, error, { entityId, expectedVersion, actualVersion });
  }
  if (isFactlineError(error, 'ENTITY_TYPE_MISMATCH')) {
    const { entityId, expectedType, actualType } = error;
    return respond(409, error.code, error, { entityId, expectedType, actualType });
  }
  return {
    status: 500,
    headers: {},
    body: { error: { code: 'INTERNAL', message: 'Something went wrong; it is in the log.' } },
  };
}

function respond(
  status: number,
  code: string,
  error: Error,
  facts: Record<string, unknown> = {},
  headers: Readonly<Record<string, string>> = {},
): ErrorResponse {
  return { status, headers, body: { error: { code, message: error.message, ...facts } } };
}

/** Issues as a client can use them: where, and what is wrong there. */
function issuesOf(issues: readonly v.BaseIssue<unknown>[]) {
  return issues.map((issue) => ({ path: v.getDotPath(issue) ?? '', message: issue.message }));
}
