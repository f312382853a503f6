import type { PublicationRecord } from './provider.js';

/**
 * A `GroupCommitter` `canJoin` rule for publications: two publications with
 * one command id never share a batch, so the second one runs after the first
 * has committed and gets its stored result as a duplicate.
 *
 * @param batch The publications already in the batch.
 * @param item The publication that wants to join.
 * @returns Whether it may join.
 */
export function distinctCommandIds(
  batch: readonly PublicationRecord[],
  item: PublicationRecord,
): boolean {
  return item.commandId === null || !batch.some((other) => other.commandId === item.commandId);
}
