/** How a {@link GroupCommitter} batches. */
export interface GroupCommitterConfig<TItem, TResult> {
  /** Writes a batch in one transaction; returns one result per item, in order. */
  readonly commit: (batch: TItem[]) => Promise<TResult[]>;
  /** The most items in one batch (default 100). */
  readonly maxBatchSize?: number;
  /** How many batches may be in flight at once (default 1). */
  readonly maxConcurrentBatches?: number;
  /** Whether `item` may join `batch`; one that may not waits for the next batch. */
  readonly canJoin?: (batch: readonly TItem[], item: TItem) => boolean;
}

interface Pending<TItem, TResult> {
  readonly item: TItem;
  readonly resolve: (result: TResult) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Queues concurrent writes from one process and commits them in batches:
 * while one batch is in flight the next one fills up, so one round trip and
 * one commit serve many writers. A batch that fails rejects all its items.
 *
 * For provider authors: serialised commits (positions allocated in commit
 * order) cap throughput at one commit at a time; batching is the way past it.
 */
export class GroupCommitter<TItem, TResult> {
  readonly #commit: (batch: TItem[]) => Promise<TResult[]>;
  readonly #maxBatchSize: number;
  readonly #maxConcurrentBatches: number;
  readonly #canJoin: (batch: readonly TItem[], item: TItem) => boolean;
  #queue: Pending<TItem, TResult>[] = [];
  #inFlight = 0;
  #scheduled = false;

  /**
   * @param config The commit function and the batching limits.
   */
  constructor(config: GroupCommitterConfig<TItem, TResult>) {
    this.#commit = config.commit;
    this.#maxBatchSize = config.maxBatchSize ?? 100;
    this.#maxConcurrentBatches = config.maxConcurrentBatches ?? 1;
    this.#canJoin = config.canJoin ?? (() => true);
  }

  /**
   * Queues one item; it is committed with whatever else is waiting.
   *
   * @param item The write.
   * @returns Its result, once its batch has committed.
   */
  submit(item: TItem): Promise<TResult> {
    return new Promise<TResult>((resolve, reject) => {
      this.#queue.push({ item, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        // Let the writes started in the same tick join the first batch.
        queueMicrotask(() => {
          this.#scheduled = false;
          this.#flush();
        });
      }
    });
  }

  /** The number of writes waiting for a batch. */
  get waiting(): number {
    return this.#queue.length;
  }

  #flush(): void {
    while (this.#inFlight < this.#maxConcurrentBatches && this.#queue.length > 0) {
      const batch: Pending<TItem, TResult>[] = [];
      const rest: Pending<TItem, TResult>[] = [];
      const items: TItem[] = [];
      for (const pending of this.#queue) {
        if (batch.length < this.#maxBatchSize && this.#canJoin(items, pending.item)) {
          batch.push(pending);
          items.push(pending.item);
        } else {
          rest.push(pending);
        }
      }
      this.#queue = rest;
      this.#inFlight++;
      this.#run(batch, items);
    }
  }

  async #run(batch: Pending<TItem, TResult>[], items: TItem[]): Promise<void> {
    try {
      const results = await this.#commit(items);
      for (let index = 0; index < batch.length; index++) {
        (batch[index] as Pending<TItem, TResult>).resolve(results[index] as TResult);
      }
    } catch (error) {
      for (const pending of batch) pending.reject(error);
    } finally {
      this.#inFlight--;
      this.#flush();
    }
  }
}
