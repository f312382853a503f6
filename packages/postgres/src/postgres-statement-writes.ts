import type { EntityWrite, PublicationRecord } from '@factline/core';

/** An entity write the compare-and-set statements take: a number or `'new'` is expected. */
export type StatementWrite = EntityWrite & { readonly expectedVersion: number | 'new' };

/**
 * Tells whether a batch can skip the `publish(json)` function and go to the
 * compare-and-set statements, and gives each publication's one entity write.
 *
 * It can when every publication writes one entity and expects a number or
 * `'new'`, and its events share their actor, timestamp
 * and metadata (as core makes them) — the common case — and no entity
 * appears twice: the statements apply the batch as one set, so a second
 * publication of an entity could not see the first one's new version. Every
 * other batch goes to the function, which applies publications one after
 * another.
 *
 * @param batch The publications, in batch order.
 * @returns One write per publication, in batch order; `undefined` when the batch needs the function.
 */
export function statementWrites(batch: readonly PublicationRecord[]): StatementWrite[] | undefined {
  const writes: StatementWrite[] = [];
  const entityIds = new Set<string>();
  for (const publication of batch) {
    const entity = publication.entities[0];
    if (
      publication.entities.length !== 1 ||
      entity === undefined ||
      entity.expectedVersion === 'any' ||
      entityIds.has(entity.id) ||
      !sharesContext(entity)
    ) {
      return undefined;
    }
    entityIds.add(entity.id);
    writes.push(entity as StatementWrite);
  }
  return writes;
}

/** Whether every event of the write has the first one's actor, timestamp and metadata. */
function sharesContext(entity: EntityWrite): boolean {
  const first = entity.events[0];
  if (first === undefined) return false;
  return entity.events.every(
    (event) =>
      event.actor === first.actor &&
      event.timestamp === first.timestamp &&
      event.metadata === first.metadata,
  );
}
