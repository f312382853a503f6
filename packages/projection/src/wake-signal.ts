/**
 * A sleep that ends early when woken. A wake that comes while no one sleeps
 * is kept, so the next sleep returns at once: a publication that lands
 * between a read and the wait is never slept through.
 */
export class WakeSignal {
  #pending = false;
  #resolve: (() => void) | undefined;

  /** Ends the current sleep, or the next one. */
  wake(): void {
    if (this.#resolve === undefined) {
      this.#pending = true;
      return;
    }
    this.#resolve();
  }

  /** Forgets a kept wake: called just before reading, which sees what it was for. */
  clear(): void {
    this.#pending = false;
  }

  /**
   * Sleeps until woken or `milliseconds` have passed.
   *
   * @returns Whether it was woken.
   */
  sleep(milliseconds: number): Promise<boolean> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(false), milliseconds);
      const finish = (woken: boolean) => {
        clearTimeout(timer);
        this.#resolve = undefined;
        resolve(woken);
      };
      this.#resolve = () => finish(true);
    });
  }
}
