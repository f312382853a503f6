import type { EventMetadata } from '../store/stored-event.js';

/**
 * Who saves, and why: the actor, and the metadata every saved event carries.
 * With a `commandId`, saving the same command again writes nothing.
 */
export interface SaveOptions extends EventMetadata {
  /** Who causes the events: a user, a service, a job. Required for the audit trail. */
  readonly actor: string;
}
