import { describe, expect, it } from 'vitest';
import { normaliseForKey, researchCacheKey } from '../../src/pipeline/research-cache-key.ts';

describe('researchCacheKey', () => {
  const key = (recipientName: string, recipientInterest = 'Analytical engines', templateType = 'RESEARCH' as const) =>
    researchCacheKey({ recipientName, recipientInterest, templateType });

  it('normalises case, spacing and diacritics', () => {
    expect(normaliseForKey('  Ádá   LOVELACE\t')).toBe('ada lovelace');
    expect(key('Ada Lovelace')).toBe(key('  ádá   lovelace '));
    expect(key('Ada Lovelace', 'analytical  engines')).toBe(key('Ada Lovelace', 'Analytical Engines'));
  });

  it('differs by name, interest and template type, and is a sha256 hex digest', () => {
    expect(key('Ada Lovelace')).toMatch(/^[0-9a-f]{64}$/);
    expect(key('Ada Lovelace')).not.toBe(key('Ada Byron'));
    expect(key('Ada Lovelace')).not.toBe(key('Ada Lovelace', 'looms'));
    expect(key('Ada Lovelace')).not.toBe(researchCacheKey({ recipientName: 'Ada Lovelace', recipientInterest: 'Analytical engines', templateType: 'BOOK' }));
    // No separator trick makes two triples collide.
    expect(key('a b', 'c')).not.toBe(key('a', 'b c'));
  });
});
