import { InvalidArgumentError, type PublicationRecord } from '@factline/core';

/** Longest `type` and event `name` (VARCHAR(255) counts characters). */
const maxNameCharacters = 255;
/** Longest `actor` (TEXT holds 65,535 bytes). */
const maxActorBytes = 65_535;
/** Longest metadata (MEDIUMTEXT holds 16 MiB − 1 bytes). */
const maxMetadataBytes = 16_777_215;

/** Room in a packet for everything but the values: header, types, length prefixes. */
export const packetOverhead = 4096;
/** Bytes per row beyond its strings: numbers, the event id, each value's type and length prefix. */
export const rowOverhead = 256;

/**
 * An upper bound of a string's UTF-8 size, exact only when that matters.
 *
 * @param text The string.
 * @returns At least its size in bytes.
 */
export function estimateBytes(text: string): number {
  return text.length < 65_536 ? text.length * 3 : Buffer.byteLength(text, 'utf8');
}

function characters(text: string): number {
  return text.length <= maxNameCharacters ? text.length : [...text].length;
}

/**
 * Refuses, before a publication joins a batch, what the tables cannot hold:
 * a strict server would fail the whole batch on it, a lax one would cut it
 * silently. Core already limits entity ids and command ids to 255 characters.
 *
 * @param publication The publication.
 * @param packetBudget The most bytes of values one statement may carry (`max_allowed_packet`).
 * @throws {InvalidArgumentError} A type or event name over 255 characters, an
 *   actor or metadata over its column's size, an event over the packet size.
 */
export function checkPublicationFits(publication: PublicationRecord, packetBudget: number): void {
  for (const entity of publication.entities) {
    if (characters(entity.type) > maxNameCharacters) {
      throw new InvalidArgumentError(
        `Entity "${entity.id}": a type has at most ${maxNameCharacters} characters in MySQL.`,
      );
    }
    for (const event of entity.events) {
      if (characters(event.name) > maxNameCharacters) {
        throw new InvalidArgumentError(
          `Event names have at most ${maxNameCharacters} characters in MySQL; got ${JSON.stringify(event.name.slice(0, 40))}….`,
        );
      }
      if (
        event.actor.length * 3 > maxActorBytes &&
        Buffer.byteLength(event.actor) > maxActorBytes
      ) {
        throw new InvalidArgumentError(`An actor has at most ${maxActorBytes} bytes in MySQL.`);
      }
      const metadata = event.metadata ?? '';
      if (
        metadata.length * 3 > maxMetadataBytes &&
        Buffer.byteLength(metadata) > maxMetadataBytes
      ) {
        throw new InvalidArgumentError(`Metadata has at most ${maxMetadataBytes} bytes in MySQL.`);
      }
      const strings = [event.details, metadata, entity.id, event.name, event.actor];
      if (strings.reduce((sum, text) => sum + text.length * 3, rowOverhead) <= packetBudget)
        continue;
      const bytes = strings.reduce((sum, text) => sum + Buffer.byteLength(text), rowOverhead);
      if (bytes > packetBudget) {
        throw new InvalidArgumentError(
          `An event of entity "${entity.id}" takes ${bytes} bytes; the server's max_allowed_packet ` +
            `lets one statement carry ${packetBudget}. Raise max_allowed_packet or store less in the event.`,
        );
      }
    }
  }
}
