/**
 * An error of the HTTP layer itself — no such route, a body that is not
 * JSON — that says which status it answers with.
 */
export class HttpError extends Error {
  /** The status to answer with. */
  readonly status: number;
  /** A stable code for clients: `NOT_FOUND`, `BAD_JSON`… */
  readonly code: string;
  /** Headers to send with it (`Allow` for a 405). */
  readonly headers: Readonly<Record<string, string>>;

  /**
   * @param status The HTTP status.
   * @param code A stable code.
   * @param message What went wrong.
   * @param headers Headers to send with it.
   */
  constructor(
    status: number,
    code: string,
    message: string,
    headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}
