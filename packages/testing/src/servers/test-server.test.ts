import { describe, expect, it } from 'vitest';
import { redactedUrl } from './test-server.js';

describe('redactedUrl', () => {
  it('hides a password in the user part or in a password parameter', () => {
    expect(redactedUrl('postgres://me:secret@db:5432/test')).toBe('postgres://me:***@db:5432/test');
    expect(redactedUrl('mysql://me@db:3306/test?password=secret&ssl=true')).toBe(
      'mysql://me@db:3306/test?password=***&ssl=true',
    );
  });

  it('leaves a URL without a password as it was', () => {
    expect(redactedUrl('postgres://postgres@127.0.0.1:5432/test')).toBe(
      'postgres://postgres@127.0.0.1:5432/test',
    );
  });

  it('shows nothing of a URL that does not parse', () => {
    expect(redactedUrl('//me:secret@db:5432/test')).toBe('(a URL that does not parse)');
  });
});
