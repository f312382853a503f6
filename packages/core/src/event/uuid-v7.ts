import { randomFillSync } from 'node:crypto';

const hex: string[] = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));
const pool = new Uint8Array(4096);
let poolOffset = pool.length;
let lastMillis = -1;
let counter = 0;

function randomBytes(count: number): Uint8Array {
  if (poolOffset + count > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const bytes = pool.subarray(poolOffset, poolOffset + count);
  poolOffset += count;
  return bytes;
}

/**
 * Creates a UUID v7 (RFC 9562). Ids made by one process strictly increase:
 * within one millisecond a 12-bit counter (method 1) orders them, and when
 * it runs out, or the clock steps back, the timestamp is carried forward.
 *
 * @param now The current time in milliseconds.
 * @returns The UUID in its canonical lower-case form.
 */
export function uuidV7(now: number = Date.now()): string {
  const random = randomBytes(10);
  if (now > lastMillis) {
    lastMillis = now;
    // Start low in the counter's range so a burst rarely overflows it.
    counter = ((random[0] as number) << 2) | ((random[1] as number) & 0x3);
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
  const bytes = [
    (high >>> 16) & 0xff,
    (high >>> 8) & 0xff,
    high & 0xff,
    (low >>> 16) & 0xff,
    (low >>> 8) & 0xff,
    low & 0xff,
    0x70 | (counter >>> 8),
    counter & 0xff,
    0x80 | ((random[2] as number) & 0x3f),
    random[3] as number,
    random[4] as number,
    random[5] as number,
    random[6] as number,
    random[7] as number,
    random[8] as number,
    random[9] as number,
  ];
  let text = '';
  for (let index = 0; index < 16; index++) {
    if (index === 4 || index === 6 || index === 8 || index === 10) text += '-';
    text += hex[bytes[index] as number];
  }
  return text;
}
