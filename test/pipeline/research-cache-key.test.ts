import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  normaliseForKey,
  normaliseTerms,
  recipientCacheKey,
  researchCacheKey,
  type CacheScope,
} from '../../src/pipeline/research-cache-key.ts';
import type { IdentityHint, TemplateType } from '../../src/pipeline/types.ts';

const T1: CacheScope = { platform: 'slack', teamId: 'T1', userId: 'user-1' };

describe('researchCacheKey', () => {
  const key = (
    recipientName: string,
    recipientInterest = 'Analytical engines',
    templateType: TemplateType = 'RESEARCH',
    searchTerms: string[] = ['analytical engines', 'Bernoulli numbers'],
    scope: CacheScope = T1,
  ) => researchCacheKey({ scope, recipientName, recipientInterest, templateType, searchTerms });

  it('normalises case, spacing and diacritics', () => {
    expect(normaliseForKey('  Ádá   LOVELACE\t')).toBe('ada lovelace');
    expect(key('Ada Lovelace')).toBe(key('  ádá   lovelace '));
    expect(key('Ada Lovelace', 'analytical  engines')).toBe(key('Ada Lovelace', 'Analytical Engines'));
  });

  it('differs by name, interest and template type, and is a sha256 hex digest', () => {
    expect(key('Ada Lovelace')).toMatch(/^[0-9a-f]{64}$/);
    expect(key('Ada Lovelace')).not.toBe(key('Ada Byron'));
    expect(key('Ada Lovelace')).not.toBe(key('Ada Lovelace', 'looms'));
    expect(key('Ada Lovelace')).not.toBe(key('Ada Lovelace', 'Analytical engines', 'BOOK'));
    // No separator trick makes two tuples collide.
    expect(key('a b', 'c')).not.toBe(key('a', 'b c'));
  });

  it('is scoped by platform and team or guild: two workspaces never share a key', () => {
    expect(key('Ada Lovelace')).not.toBe(key('Ada Lovelace', undefined, undefined, undefined, { ...T1, teamId: 'T2' }));
    expect(key('Ada Lovelace')).not.toBe(
      key('Ada Lovelace', undefined, undefined, undefined, { ...T1, platform: 'discord' }),
    );
    // Within a team, who asked does not matter: research is shared there.
    expect(key('Ada Lovelace')).toBe(key('Ada Lovelace', undefined, undefined, undefined, { ...T1, userId: 'user-2' }));
  });

  it('scopes direct messages and the CLI (no team) to the user', () => {
    const dm = (userId: string) => ({ platform: 'discord', teamId: '', userId });
    expect(key('Ada Lovelace', undefined, undefined, undefined, dm('a'))).not.toBe(
      key('Ada Lovelace', undefined, undefined, undefined, dm('b')),
    );
    // A user id can never pass for a team id.
    expect(key('Ada Lovelace', undefined, undefined, undefined, dm('T1'))).not.toBe(
      key('Ada Lovelace', undefined, undefined, undefined, { platform: 'discord', teamId: 'T1', userId: 'x' }),
    );
  });

  it('includes the search terms, as a set: order, case and repeats do not matter', () => {
    expect(normaliseTerms([' Looms ', 'analytical  engines', 'looms', ''])).toEqual(['analytical engines', 'looms']);
    const terms = ['analytical engines', 'Bernoulli numbers'];
    expect(key('Ada Lovelace', undefined, undefined, terms)).toBe(
      key('Ada Lovelace', undefined, undefined, ['bernoulli NUMBERS', 'analytical engines', 'Analytical Engines']),
    );
    expect(key('Ada Lovelace', undefined, undefined, terms)).not.toBe(
      key('Ada Lovelace', undefined, undefined, ['analytical engines', 'crypto wallets']),
    );
    expect(key('Ada Lovelace', undefined, undefined, terms)).not.toBe(
      key('Ada Lovelace', undefined, undefined, ['analytical engines']),
    );
  });

  it('includes who the person asking means: another hint may be another person (issue 20)', () => {
    const base = {
      scope: T1,
      recipientName: 'Jun Li',
      recipientInterest: 'robotics',
      templateType: 'RESEARCH' as const,
    };
    const hinted = (identityHint?: IdentityHint) => researchCacheKey({ ...base, searchTerms: [], identityHint });
    expect(hinted()).toBe(hinted({}));
    expect(hinted({ affiliation: 'MIT' })).toBe(hinted({ affiliation: '  mit ' }));
    expect(hinted({ affiliation: 'MIT' })).not.toBe(hinted());
    expect(hinted({ affiliation: 'MIT' })).not.toBe(hinted({ affiliation: 'Tsinghua University' }));
    expect(hinted({ orcid: '0000-0002-1825-0097' })).not.toBe(hinted({ affiliation: '0000-0002-1825-0097' }));
  });

  it('is not the unscoped v1 key of the same recipient (old rows are never reused)', () => {
    const v1 = createHash('sha256')
      .update(JSON.stringify(['v1', 'ada lovelace', 'analytical engines', 'RESEARCH']))
      .digest('hex');
    expect(key('Ada Lovelace')).not.toBe(v1);
  });
});

describe('recipientCacheKey', () => {
  const recipient = (recipientName: string, scope: CacheScope = T1, identityHint?: IdentityHint) =>
    recipientCacheKey({ scope, recipientName, recipientInterest: 'Analytical engines', identityHint });

  it('names the recipient in a scope, whatever the template: known before the parse', () => {
    expect(recipient('  ada   LOVELACE ')).toBe(recipient('Ada Lovelace'));
    expect(recipient('Ádá Lovelace')).toBe(recipient('Ada Lovelace'));
    expect(recipient('Ada Lovelace')).toMatch(/^[0-9a-f]{64}$/);
    expect(recipient('Grace Hopper')).not.toBe(recipient('Ada Lovelace'));
    expect(recipient('Ada Lovelace', { ...T1, teamId: 'T2' })).not.toBe(recipient('Ada Lovelace'));
    expect(recipient('Ada Lovelace', T1, { orcid: '0000-0002-1825-0097' })).not.toBe(recipient('Ada Lovelace'));
    // Never the same digest as a research key (another version tag).
    const research = researchCacheKey({
      scope: T1,
      recipientName: 'Ada Lovelace',
      recipientInterest: 'Analytical engines',
      templateType: 'RESEARCH',
      searchTerms: [],
    });
    expect(recipient('Ada Lovelace')).not.toBe(research);
  });
});
