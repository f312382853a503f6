import type { HandledEventName, RegistryOf } from './aggregate-class.js';
import type { PendingEvent } from './pending-event.js';

/** What `Repository.update` and `Repository.create` did. */
export type CommandResult<TAggregate> =
  | {
      /** The command raised events, and they were written. */
      readonly kind: 'saved';
      /** The aggregate after the command, at its new version. */
      readonly aggregate: TAggregate;
      readonly position: number;
      readonly version: number;
      /** The events the command raised. */
      readonly events: readonly PendingEvent<
        RegistryOf<TAggregate>,
        HandledEventName<TAggregate>
      >[];
      /** How many times the command ran: more than 1 after conflicts. */
      readonly attempts: number;
    }
  | {
      /** The command raised no events: nothing was written. */
      readonly kind: 'unchanged';
      readonly aggregate: TAggregate;
      readonly attempts: number;
    }
  | {
      /**
       * The command id was saved before: the command did not run again and
       * nothing was written. `position` is the first run's.
       */
      readonly kind: 'duplicate';
      readonly position: number;
      readonly attempts: number;
    };
