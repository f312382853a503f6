import type { EntityVersion, PublicationRecord, PublishOutcome } from '@factline/core';

/** An entity of a batch: as stored when the batch locked it, and as the batch has moved it so far. */
export interface EntityState {
  /** The stored version, `null` when the entity does not exist. */
  stored: number | null;
  /** Its type: stored, or given by the publication that creates it. */
  type: string;
  /** Its version after the publications accepted so far, `null` while it does not exist. */
  version: number | null;
}

/** What {@link decideInBatch} made of a publication. */
export type BatchDecision =
  | {
      readonly kind: 'accepted';
      /** Per entity, the ordinal of its first new event. */
      readonly firstOrdinals: number[];
      readonly versions: EntityVersion[];
    }
  | { readonly kind: 'refused'; readonly outcome: PublishOutcome };

/**
 * Decides a publication against its batch's entities, locked and read, as
 * the publications before it in the batch left them: every entity at its
 * expected version and of its type, or the whole publication is refused.
 * An accepted publication moves its entities on for the ones after it.
 *
 * @param publication The publication.
 * @param entities Every entity of the batch; updated when it is accepted.
 * @returns Its ordinals and versions, or why it was refused.
 */
export function decideInBatch(
  publication: PublicationRecord,
  entities: ReadonlyMap<string, EntityState>,
): BatchDecision {
  const firstOrdinals: number[] = [];
  for (const entity of publication.entities) {
    const state = entities.get(entity.id) as EntityState;
    const { expectedVersion } = entity;
    if (state.version !== null && state.type !== entity.type) {
      return {
        kind: 'refused',
        outcome: {
          kind: 'type-mismatch',
          entityId: entity.id,
          expectedType: entity.type,
          actualType: state.type,
        },
      };
    }
    const expected =
      expectedVersion === 'any' ||
      (expectedVersion === 'new' ? state.version === null : state.version === expectedVersion);
    if (!expected) {
      return {
        kind: 'refused',
        outcome: {
          kind: 'conflict',
          entityId: entity.id,
          expectedVersion,
          actualVersion: state.version,
        },
      };
    }
    firstOrdinals.push(state.version === null ? 0 : state.version + 1);
  }
  const versions = publication.entities.map((entity, index) => {
    const state = entities.get(entity.id) as EntityState;
    state.type = entity.type;
    state.version = (firstOrdinals[index] as number) + entity.events.length - 1;
    return { id: entity.id, version: state.version };
  });
  return { kind: 'accepted', firstOrdinals, versions };
}
