import type { AsOf } from './as-of.js';

/** How `Repository.load` and `get` read an aggregate. */
export interface LoadOptions {
  /** Load it as it was at a version, a position or a time: read-only. */
  readonly asOf?: AsOf;
}
