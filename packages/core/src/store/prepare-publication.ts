import { InvalidArgumentError } from '../errors/invalid-argument-error.js';
import type { EventRegistry } from '../event/event-registry.js';
import { toJsonText } from '../event/json-text.js';
import { toProtocolTimestamp } from '../event/timestamp.js';
import { uuidV7 } from '../event/uuid-v7.js';
import type { EntityWrite, EventRecord, PublicationRecord } from '../provider/provider.js';
import type { Publication } from './publication.js';

/** Longest entity id every provider can index (MySQL's key length limits it). */
export const maxEntityIdLength = 255;

/**
 * Checks, validates and serialises a publication, so that the provider gets
 * nothing it could fail to write half-way.
 *
 * @param registry The store's events.
 * @param publication What the caller wants to publish.
 * @param now The time to stamp every event with.
 * @returns The record to give the provider.
 * @throws {InvalidArgumentError | ValidationError | UnknownEventError | SerializationError}
 */
export function preparePublication(
  registry: EventRegistry,
  publication: Publication<EventRegistry>,
  now: Date,
): PublicationRecord {
  const { actor, entities } = publication;
  if (typeof actor !== 'string' || actor.length === 0 || !actor.isWellFormed()) {
    throw new InvalidArgumentError(
      'A publication needs an actor (who caused it, e.g. "user:42" or "system:importer").',
    );
  }
  if (!Array.isArray(entities) || entities.length === 0) {
    throw new InvalidArgumentError('A publication needs at least one entity with events.');
  }
  const metadata = metadataText(publication);
  const timestamp = toProtocolTimestamp(now);
  const millis = now.getTime();
  const seen = new Set<string>();
  const writes: EntityWrite[] = [];
  for (const entity of entities) {
    const { id, type, expectedVersion, events } = entity;
    if (
      typeof id !== 'string' ||
      id.length === 0 ||
      id.length > maxEntityIdLength ||
      !id.isWellFormed()
    ) {
      throw new InvalidArgumentError(
        `Entity ids are non-empty, well-formed strings of at most ${maxEntityIdLength} characters; got ${JSON.stringify(id)}.`,
      );
    }
    if (seen.has(id)) {
      throw new InvalidArgumentError(
        `Entity "${id}" appears twice in one publication; put all of its events in one entry.`,
      );
    }
    seen.add(id);
    if (typeof type !== 'string' || type.length === 0 || !type.isWellFormed()) {
      throw new InvalidArgumentError(`Entity "${id}" needs a type, e.g. "Order".`);
    }
    if (
      expectedVersion !== 'new' &&
      expectedVersion !== 'any' &&
      !(Number.isSafeInteger(expectedVersion) && expectedVersion >= 0)
    ) {
      throw new InvalidArgumentError(
        `Entity "${id}": expectedVersion must be a version (an integer >= 0), "new" or "any"; got ${JSON.stringify(expectedVersion)}.`,
      );
    }
    if (!Array.isArray(events) || events.length === 0) {
      throw new InvalidArgumentError(`Entity "${id}" has no events; give it at least one.`);
    }
    const records: EventRecord[] = [];
    for (const event of events) {
      const details = registry.validate(event.name, event.details, id);
      records.push({
        id: uuidV7(millis),
        name: event.name,
        schemaVersion: registry.schemaVersion(event.name),
        details: toJsonText(details, 'details'),
        actor,
        timestamp,
        metadata,
      });
    }
    writes.push({ id, type, expectedVersion, events: records });
  }
  return { entities: writes, commandId: publication.commandId ?? null };
}

function metadataText(publication: Publication<EventRegistry>): string | null {
  const { commandId, causationId, correlationId, headers } = publication;
  // The common publication has no metadata at all: nothing to check or build.
  if (
    commandId === undefined &&
    causationId === undefined &&
    correlationId === undefined &&
    headers === undefined
  ) {
    return null;
  }
  for (const [name, value] of [
    ['commandId', commandId],
    ['causationId', causationId],
    ['correlationId', correlationId],
  ] as const) {
    if (
      value !== undefined &&
      (typeof value !== 'string' || value.length === 0 || !value.isWellFormed())
    ) {
      throw new InvalidArgumentError(`${name} must be a non-empty, well-formed string when given.`);
    }
  }
  if (commandId !== undefined && commandId.length > maxEntityIdLength) {
    throw new InvalidArgumentError(`commandId must be at most ${maxEntityIdLength} characters.`);
  }
  const metadata: Record<string, unknown> = {};
  if (commandId !== undefined) metadata.commandId = commandId;
  if (causationId !== undefined) metadata.causationId = causationId;
  if (correlationId !== undefined) metadata.correlationId = correlationId;
  if (headers !== undefined) {
    for (const [key, value] of Object.entries(headers)) {
      if (typeof value !== 'string') {
        throw new InvalidArgumentError(`Header "${key}" must be a string.`);
      }
    }
    if (Object.keys(headers).length > 0) metadata.headers = headers;
  }
  return Object.keys(metadata).length === 0 ? null : toJsonText(metadata, 'metadata');
}
