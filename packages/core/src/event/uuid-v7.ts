import { randomFillSync } from 'node:crypto';

const hex: string[] = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
const pool = new Uint8Array(4096);
let poolOffset = pool.length;
let lastMillis = -1;
let counter = 0;

/** Takes `count` random bytes from the pool; returns where they start in it. */
function takeRandomBytes(count: number): number {
  if (poolOffset + count > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const start = poolOffset;
  poolOffset += count;
  return start;
}

/**
 * Creates a UUID v7 (RFC 9562). Ids made by one process strictly increase:
 * within one millisecond a 12-bit counter (method 1) orders them, and when
 * it runs out, or the clock steps back, the timestamp is carried forward.
 *
 * @param time The current time in milliseconds.
 * @returns The UUID in its canonical lower-case form.
 */
export function uuidV7(time: number = Date.now()): string {
  // The 48-bit field holds no time before 1970; such ids sort as if made at the epoch.
  const now = Math.max(0, Math.floor(time));
  const at = takeRandomBytes(10);
  if (now > lastMillis) {
    lastMillis = now;
    // Start low in the counter's range so a burst rarely overflows it.
    counter = ((pool[at] as number) << 2) | ((pool[at + 1] as number) & 0x3);
  } else {
    counter++;
    if (counter > 0xfff) {
      lastMillis++;
      counter = 0;
    }
  }
  const millis = lastMillis;
  const high = Math.floor(millis / 0x1000000);
  const low = millis % 0x1000000;
  // Built straight from the byte table: no array of bytes, no view of the pool.
  return (
    (hex[(high >>> 16) & 0xff] as string) +
    hex[(high >>> 8) & 0xff] +
    hex[high & 0xff] +
    hex[(low >>> 16) & 0xff] +
    '-' +
    hex[(low >>> 8) & 0xff] +
    hex[low & 0xff] +
    '-' +
    hex[0x70 | (counter >>> 8)] +
    hex[counter & 0xff] +
    '-' +
    hex[0x80 | ((pool[at + 2] as number) & 0x3f)] +
    hex[pool[at + 3] as number] +
    '-' +
    hex[pool[at + 4] as number] +
    hex[pool[at + 5] as number] +
    hex[pool[at + 6] as number] +
    hex[pool[at + 7] as number] +
    hex[pool[at + 8] as number] +
    hex[pool[at + 9] as number]
  );
}
