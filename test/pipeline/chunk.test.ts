import { describe, expect, it } from 'vitest';
import { chunkText, splitSentences, trimToSentence } from '../../src/pipeline/chunk.ts';

describe('splitSentences', () => {
  it('splits at end punctuation and line breaks, losslessly', () => {
    const text = 'Dr. Ada Lovelace works in London. She writes programs!  Really?\n\nBest regards,\nAda';
    const sentences = splitSentences(text);
    expect(sentences).toEqual([
      'Dr. Ada Lovelace works in London. ',
      'She writes programs!  ',
      'Really?\n\n',
      'Best regards,\n',
      'Ada',
    ]);
    expect(sentences.join('')).toBe(text);
  });

  it('does not split after abbreviations, initials or inside numbers', () => {
    expect(splitSentences('See e.g. the work of A. Lovelace et al. in 1843. Version 2.5 is out.')).toEqual([
      'See e.g. the work of A. Lovelace et al. in 1843. ',
      'Version 2.5 is out.',
    ]);
  });

  it('keeps closing quotes and brackets with their sentence', () => {
    expect(splitSentences('She said "It works." (Twice.) Then left.')).toEqual([
      'She said "It works." ',
      '(Twice.) ',
      'Then left.',
    ]);
  });
});

describe('chunkText', () => {
  const sentence = (i: number) => `This is sentence number ${i} about analytical engines. `;
  const long = Array.from({ length: 2_000 }, (_, i) => sentence(i)).join('');

  it('packs whole sentences into chunks of at most the limit, losing nothing', () => {
    const chunks = chunkText(long, 30_000);
    expect(long.length).toBeGreaterThan(90_000);
    expect(chunks.length).toBe(Math.ceil(long.length / 30_000));
    expect(chunks.join('')).toBe(long);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(30_000);
      // Every chunk starts a sentence and ends one.
      expect(chunk).toMatch(/^This is sentence number \d+/);
      expect(chunk).toMatch(/engines\. $/);
    }
    // Packed: every chunk but the last is full up to less than one sentence.
    for (const chunk of chunks.slice(0, -1)) expect(chunk.length).toBeGreaterThan(30_000 - sentence(9999).length);
  });

  it('cuts a single over-long sentence at word boundaries only', () => {
    const words = 'word '.repeat(100); // 500 characters, no full stop
    const chunks = chunkText(words, 120);
    expect(chunks.join('')).toBe(words);
    for (const chunk of chunks) {
      expect(chunk.length).toBeLessThanOrEqual(120);
      expect(chunk).toMatch(/^word/);
    }
  });

  it('returns short text whole, and nothing for empty text', () => {
    expect(chunkText('One. Two.', 100)).toEqual(['One. Two.']);
    expect(chunkText('', 100)).toEqual([]);
  });
});

describe('trimToSentence', () => {
  it('keeps whole leading sentences within the limit', () => {
    expect(trimToSentence('One two. Three four. Five six.', 21)).toBe('One two. Three four.');
    expect(trimToSentence('Short.', 100)).toBe('Short.');
  });

  it('cuts a first sentence longer than the limit at a word, marked with an ellipsis', () => {
    const out = trimToSentence('alpha beta gamma delta epsilon', 14);
    expect(out).toBe('alpha beta…');
    expect(out.length).toBeLessThanOrEqual(14);
  });
});
