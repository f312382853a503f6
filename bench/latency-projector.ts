import type { PostgresProvider, PostgresTransaction } from '@factline/postgres';
import { type PageReport, Projector } from '@factline/projection';
import type { DepositStore, depositEvents } from './deposit-events.js';

/**
 * The projector of the PostgreSQL latency figures, in this process and in the
 * worker alike: its handler does nothing, so what is timed is the projector
 * noticing a publication and committing its page.
 *
 * @param name Its name: each copy keeps a checkpoint of its own.
 * @param store The store it follows.
 * @param storage Where its checkpoint lives.
 * @param onPage Told each committed page, as it commits.
 * @returns The projector, not yet started.
 */
export function latencyProjector(
  name: string,
  store: DepositStore,
  storage: PostgresProvider,
  onPage: (report: PageReport) => void,
): Projector<typeof depositEvents, PostgresTransaction> {
  return new Projector({
    name,
    store,
    storage,
    pollInterval: 1000,
    handlers: { Deposited: () => undefined },
    hooks: { onPage },
  });
}
