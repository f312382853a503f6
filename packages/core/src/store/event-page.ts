/** Events of consecutive publications, and where the next read starts. */
export interface EventPage<TEvent> {
  /** Whole publications, in position order. */
  readonly events: readonly TEvent[];
  /** The position of the last publication in the page; `after` when it is empty. */
  readonly lastPosition: number;
}
