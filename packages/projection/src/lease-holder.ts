import type { ProjectionStorage } from '@factline/core';

/**
 * Holds a projector name's lease for one running instance: takes it, renews
 * it a third of the way through its time, and gives it up on stop.
 *
 * A lease is not a lock on the data: an instance that stalls past its lease
 * and wakes up still cannot double-apply, because every checkpoint is saved
 * by compare-and-set. The lease keeps the work in one place.
 */
export class LeaseHolder {
  readonly #storage: ProjectionStorage<unknown>;
  readonly #projector: string;
  readonly #owner: string;
  readonly #ttl: number;
  /** When the lease must be renewed (performance.now() time); 0 when not held. */
  #renewAt = 0;

  /**
   * @param storage Where leases are kept.
   * @param projector The projector's name.
   * @param owner This instance.
   * @param ttl The lease's time, in milliseconds.
   */
  constructor(storage: ProjectionStorage<unknown>, projector: string, owner: string, ttl: number) {
    this.#storage = storage;
    this.#projector = projector;
    this.#owner = owner;
    this.#ttl = ttl;
  }

  /** The lease's time, in milliseconds. */
  get ttl(): number {
    return this.#ttl;
  }

  /** Whether this instance held the lease when it last asked. */
  get held(): boolean {
    return this.#renewAt !== 0;
  }

  /**
   * Takes or renews the lease when due.
   *
   * @returns Whether this instance holds it.
   */
  async hold(): Promise<boolean> {
    const now = performance.now();
    if (this.#renewAt !== 0 && now < this.#renewAt) return true;
    const held = await this.#storage.acquireLease({
      projector: this.#projector,
      owner: this.#owner,
      ttl: this.#ttl,
    });
    this.#renewAt = held ? now + this.#ttl / 3 : 0;
    return held;
  }

  /** Gives the lease up, so another instance can take over at once. */
  async release(): Promise<void> {
    if (this.#renewAt === 0) return;
    this.#renewAt = 0;
    await this.#storage.releaseLease(this.#projector, this.#owner);
  }
}
