import { describe, expect, it } from 'vitest';
import { distinctCommandIds } from './distinct-command-ids.js';
import type { PublicationRecord } from './provider.js';

const publication = (commandId: string | null): PublicationRecord => ({ entities: [], commandId });

describe('distinctCommandIds', () => {
  it('keeps a repeated command id out of the batch that holds it', () => {
    expect(distinctCommandIds([publication('c-1')], publication('c-1'))).toBe(false);
  });

  it('lets other command ids and publications without one join', () => {
    expect(distinctCommandIds([publication('c-1')], publication('c-2'))).toBe(true);
    expect(distinctCommandIds([publication(null)], publication(null))).toBe(true);
  });
});
