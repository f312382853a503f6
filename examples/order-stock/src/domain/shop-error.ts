const shopErrorCodes = ['OUT_OF_STOCK', 'ALREADY_EXISTS'] as const;

/** Every `code` a {@link ShopError} can carry. */
export type ShopErrorCode = (typeof shopErrorCodes)[number];

/**
 * The base of the errors the shop's own rules throw, as factline's errors
 * extend `FactlineError`: a stable `code` to branch on, and the facts in
 * fields. No HTTP status here: the HTTP layer decides what a code means to it.
 */
export class ShopError extends Error {
  /** What went wrong, as a stable string. */
  readonly code: ShopErrorCode;

  /**
   * @param code The error's stable code.
   * @param message What happened, in words a customer or a clerk can act on.
   */
  constructor(code: ShopErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * Tells a shop error by its shape rather than by `instanceof`, so that it
 * holds across copies of this module (as `isFactlineError` does).
 *
 * @param error Anything caught.
 * @returns Whether it is a {@link ShopError}.
 */
export function isShopError(error: unknown): error is ShopError {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && (shopErrorCodes as readonly string[]).includes(code);
}
