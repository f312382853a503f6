import type { EntityVersion } from '../provider/provider.js';

/** What `Repository.save` did. */
export type SaveResult =
  | {
      /** The pending events were written; the aggregate is at `version` now. */
      readonly kind: 'saved';
      readonly position: number;
      readonly version: number;
    }
  | {
      /** Nothing was pending: nothing was written. */
      readonly kind: 'unchanged';
      readonly version: number;
    }
  | {
      /**
       * The command id was saved before: nothing was written now, and these
       * are the first publication's position and versions. The aggregate
       * keeps its pending events; load it again to see the stored state.
       */
      readonly kind: 'duplicate';
      readonly position: number;
      readonly versions: readonly EntityVersion[];
    };

/** What `Repository.saveAll` did. */
export type SaveAllResult =
  | {
      /** Every aggregate's pending events were written, at one position. */
      readonly kind: 'saved';
      readonly position: number;
      /** The versions of the aggregates that had pending events, in order. */
      readonly versions: readonly EntityVersion[];
    }
  | {
      /** No aggregate had pending events: nothing was written. */
      readonly kind: 'unchanged';
    }
  | {
      /** The command id was saved before: nothing was written now; the first result. */
      readonly kind: 'duplicate';
      readonly position: number;
      readonly versions: readonly EntityVersion[];
    };
