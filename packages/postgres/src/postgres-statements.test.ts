import { describe, expect, it } from 'vitest';
import { notificationChannel } from './postgres-statements.js';

describe('notificationChannel', () => {
  it('names the schema and prefix, apart from every other pair', () => {
    expect(notificationChannel('public', '')).toBe('factline:public:');
    expect(notificationChannel('shop', 'orders_')).toBe('factline:shop:orders_');
    expect(notificationChannel('a_b', '')).not.toBe(notificationChannel('a', 'b_'));
  });

  it('stays within the 63 bytes of a PostgreSQL name, however long the names', () => {
    const schema = 's'.repeat(63);
    const channel = notificationChannel(schema, 'p'.repeat(60));
    expect(Buffer.byteLength(channel)).toBeLessThanOrEqual(63);
    expect(channel).toMatch(/^factline:[0-9a-f]+$/);
    expect(notificationChannel(schema, 'q'.repeat(60))).not.toBe(channel);
  });
});
