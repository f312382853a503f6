import { FactlineError } from './factline-error.js';

/**
 * Another instance holds a projector's lease (only one instance of a
 * projector name runs at a time), and it was not released or expired within
 * the time this call was willing to wait.
 */
export class LeaseUnavailableError extends FactlineError {
  readonly projector: string;
  /** How long the call waited, in milliseconds. */
  readonly waited: number;

  /**
   * @param projector The projector's name.
   * @param waited How long the call waited for the lease, in milliseconds.
   */
  constructor(projector: string, waited: number) {
    super(
      'LEASE_UNAVAILABLE',
      `Projector "${projector}" is running in another instance, which holds its lease; waited ${waited} ms for it. ` +
        'Stop the other instance (its lease is released at once) or wait for its lease to expire.',
    );
    this.projector = projector;
    this.waited = waited;
  }
}
