/**
 * Marks what user work — an inline projection, a read model's handlers —
 * threw inside a provider's transaction, so that the provider, after rolling
 * back, rethrows it as is instead of wrapping it in a `ProviderError` (or
 * retrying it) as it does with what its driver threw.
 *
 * For provider authors: applications never see it. Throw it from inside the
 * transaction, and unwrap it once the transaction is rolled back:
 *
 * ```ts
 * try {
 *   // BEGIN, the publication's statements, then:
 *   await WorkFailure.run(() => work(client, published));
 *   // COMMIT
 * } catch (error) {
 *   // ROLLBACK, then:
 *   if (error instanceof WorkFailure) throw error.cause;
 *   throw new ProviderError('my-database', 'publish', error);
 * }
 * ```
 */
export class WorkFailure {
  /**
   * @param cause What the work threw.
   */
  constructor(readonly cause: unknown) {}

  /**
   * Runs user work, marking what it throws or rejects with as a `WorkFailure`.
   *
   * @param work The user's work, already given its arguments.
   * @returns When the work has finished.
   */
  static async run(work: () => void | Promise<void>): Promise<void> {
    try {
      await work();
    } catch (error) {
      throw new WorkFailure(error);
    }
  }
}
