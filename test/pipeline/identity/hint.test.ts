import { describe, expect, it } from 'vitest';
import {
  identityHintFromText,
  orcidCheckCharacter,
  parseOrcid,
  validateIdentityHint,
} from '../../../src/pipeline/identity/hint.ts';

describe('ORCID iDs', () => {
  it('computes the ISO 7064 MOD 11-2 check character ORCID documents', () => {
    // ORCID's own examples: 0000-0002-1825-0097 and 0000-0002-1694-233X.
    expect(orcidCheckCharacter('000000021825009')).toBe('7');
    expect(orcidCheckCharacter('000000021694233')).toBe('X');
  });

  it('accepts the usual forms and returns the bare iD', () => {
    for (const form of ['0000-0002-1825-0097', 'https://orcid.org/0000-0002-1825-0097', 'orcid:0000000218250097']) {
      expect(parseOrcid(form)).toEqual({ orcid: '0000-0002-1825-0097' });
    }
    expect(parseOrcid('0000-0002-1694-233x')).toEqual({ orcid: '0000-0002-1694-233X' });
  });

  it('says a mistyped iD is mistyped, and what its last character should be', () => {
    const check = validateIdentityHint({ orcid: '0000-0002-1825-0098' });
    expect(check).toEqual({
      ok: false,
      problems: [
        "The ORCID iD 0000-0002-1825-0098 is mistyped: its last character should be 7 by ORCID's checksum. Copy it from the person's ORCID page.",
      ],
    });
  });

  it('says what an ORCID iD looks like when the text is not one', () => {
    const check = validateIdentityHint({ orcid: '1234' });
    expect(check.ok).toBe(false);
    expect(!check.ok && check.problems[0]).toMatch(
      /"1234" is not an ORCID iD: expected 16 characters like 0000-0002-1825-0097/,
    );
  });
});

describe('author ids and profile links', () => {
  it('reads OpenAlex and arXiv author ids in their forms', () => {
    expect(validateIdentityHint({ authorId: 'https://openalex.org/a5023888391' })).toEqual({
      ok: true,
      hint: { openalexId: 'A5023888391' },
    });
    expect(validateIdentityHint({ authorId: 'https://arxiv.org/a/lovelace_a_1.html' })).toEqual({
      ok: true,
      hint: { arxivAuthorId: 'lovelace_a_1' },
    });
    expect(validateIdentityHint({ authorId: 'https://arxiv.org/a/0000-0002-1825-0097' })).toEqual({
      ok: true,
      hint: { orcid: '0000-0002-1825-0097' },
    });
  });

  it('tells a work id from an author id, and says what an author id looks like', () => {
    const work = validateIdentityHint({ authorId: 'W2741809807' });
    expect(!work.ok && work.problems[0]).toMatch(/is an OpenAlex work id; an author id starts with A/);
    const other = validateIdentityHint({ authorId: 'jun li' });
    expect(!other.ok && other.problems[0]).toMatch(/expected an OpenAlex id like A5023888391 or an arXiv author id/);
  });

  it('takes a profile link that is an identifier as that identifier, and refuses what is not a web link', () => {
    expect(validateIdentityHint({ profileUrl: 'https://orcid.org/0000-0002-1825-0097' })).toEqual({
      ok: true,
      hint: { orcid: '0000-0002-1825-0097' },
    });
    expect(validateIdentityHint({ profileUrl: 'https://www.cs.example.edu/~li/' })).toEqual({
      ok: true,
      hint: { profileUrl: 'https://www.cs.example.edu/~li/' },
    });
    const bad = validateIdentityHint({ profileUrl: 'ftp://files.example/li', orcid: '0000-0002-1825-0098' });
    expect(!bad.ok && bad.problems).toHaveLength(2);
  });

  it('reads the form field: an iD, an id, a link, else an affiliation', () => {
    expect(identityHintFromText('0000-0002-1825-0097')).toEqual({ ok: true, hint: { orcid: '0000-0002-1825-0097' } });
    expect(identityHintFromText('A5023888391')).toEqual({ ok: true, hint: { openalexId: 'A5023888391' } });
    expect(identityHintFromText('  MIT   CSAIL ')).toEqual({ ok: true, hint: { affiliation: 'MIT CSAIL' } });
    expect(identityHintFromText('')).toEqual({ ok: true, hint: {} });
  });
});

describe('the forms\' "Who exactly?" field', () => {
  it('reads every identifier in it and keeps the other words as the affiliation', () => {
    expect(identityHintFromText('MIT CSAIL, 0000-0002-1825-0097')).toEqual({
      ok: true,
      hint: { affiliation: 'MIT CSAIL', orcid: '0000-0002-1825-0097' },
    });
    expect(identityHintFromText('University of California, Berkeley')).toEqual({
      ok: true,
      hint: { affiliation: 'University of California, Berkeley' },
    });
    expect(identityHintFromText('li_j_1')).toEqual({ ok: true, hint: { arxivAuthorId: 'li_j_1' } });
    expect(identityHintFromText('arxiv.org/a/li_j_1 · orcid.org/0000-0002-1825-0097')).toEqual({
      ok: true,
      hint: { arxivAuthorId: 'li_j_1', orcid: '0000-0002-1825-0097' },
    });
    expect(identityHintFromText('https://www.cs.example.edu/~li/')).toEqual({
      ok: true,
      hint: { profileUrl: 'https://www.cs.example.edu/~li/' },
    });
  });

  it('refuses a mistyped ORCID iD and an id of no known shape rather than searching by them', () => {
    const bad = identityHintFromText('0000-0002-1825-0096');
    expect(!bad.ok && bad.problems[0]).toMatch(/mistyped: its last character should be 7/);
    const unknown = identityHintFromText('MIT li_j');
    expect(!unknown.ok && unknown.problems).toEqual([
      '"li_j" is not an ORCID iD (like 0000-0002-1825-0097), an OpenAlex author id (like A5023888391) or an arXiv author id (like lovelace_a_1).',
    ]);
    const twice = identityHintFromText('0000-0002-1825-0097 0000-0002-1694-233X');
    expect(!twice.ok && twice.problems[0]).toMatch(/Two different ORCID iDs/);
    expect(identityHintFromText('W2741809807').ok).toBe(false);
  });
});
