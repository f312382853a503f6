import { randomUUID } from 'node:crypto';

/**
 * A UUID v7 (48-bit millisecond time, version 7, random rest) — the cheapest
 * honest one, for the raw writers' event ids.
 *
 * @param millis The time of the publication, in milliseconds since the epoch.
 * @returns The UUID, in its text form.
 */
export function rawUuidV7(millis: number): string {
  const time = millis.toString(16).padStart(12, '0');
  // randomUUID(): xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx; keep its random and variant bits.
  return `${time.slice(0, 8)}-${time.slice(8)}-7${randomUUID().slice(15)}`;
}
