/**
 * Events per second over a sliding window: what a projector handled
 * recently, not since it started.
 */
export class Throughput {
  readonly #window: number;
  readonly #samples: { at: number; count: number }[] = [];
  #startedAt: number | undefined;

  /**
   * @param window The window's length in milliseconds.
   */
  constructor(window = 10_000) {
    this.#window = window;
  }

  /** Counts events handled now. */
  record(count: number, now = performance.now()): void {
    this.#startedAt ??= now;
    this.#samples.push({ at: now, count });
    this.#drop(now);
  }

  /** Events per second over the window (or since the first record, when younger). */
  perSecond(now = performance.now()): number {
    this.#drop(now);
    if (this.#startedAt === undefined) return 0;
    const span = Math.min(this.#window, now - this.#startedAt);
    if (span <= 0) return 0;
    const total = this.#samples.reduce((sum, sample) => sum + sample.count, 0);
    return (total * 1000) / span;
  }

  #drop(now: number): void {
    while (
      this.#samples.length > 0 &&
      (this.#samples[0] as { at: number }).at < now - this.#window
    ) {
      this.#samples.shift();
    }
  }
}
