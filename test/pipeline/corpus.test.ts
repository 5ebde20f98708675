import { describe, expect, it } from 'vitest';
import { buildCorpus, fairShares, unreadableReason } from '../../src/pipeline/corpus.ts';
import { RESEARCH_LIMITS } from '../../src/pipeline/steps/research.ts';
import { FILLER_KINDS, type FillerKind, filler, longProse } from '../fakes/filler.ts';
import { PROFILE_TEXT } from '../fakes/pages.ts';
import { LONG_TEXT } from './fixtures.ts';

const SAMPLE = RESEARCH_LIMITS.maxCorpusChars;

const PROSE = `Ada Lovelace was an English mathematician and writer, chiefly known for her work on Charles
Babbage's proposed mechanical general-purpose computer, the Analytical Engine. She was the first to
recognise that the machine had applications beyond pure calculation. Her notes on the engine include
what is often called the first computer program: an algorithm to compute Bernoulli numbers, written
for a machine that was never built. She also wrote about how such machines might one day compose
music or draw pictures, if their symbols were given meanings beyond numbers.`;

const JAPANESE =
  'エイダ・ラブレスはイギリスの数学者であり、チャールズ・バベッジが考案した解析機関についての著作で知られている。' +
  '彼女はこの機械が単なる計算を超えた用途を持つことを最初に認識した人物の一人である。' +
  'ベルヌーイ数を計算するための彼女の覚え書きは、しばしば世界初のコンピュータプログラムと呼ばれている。';

describe('unreadableReason', () => {
  it.each([
    ['the fake profile', PROFILE_TEXT],
    ['the fixtures’ page text', LONG_TEXT],
    ['the Latin-1 page', 'Société Générale de Mécanique: café, crème, naïve. '.repeat(20)],
    ['a paragraph of English', PROSE],
    ['Japanese, without spaces', JAPANESE],
    ['120,000 characters of varied prose', longProse(SAMPLE)],
    ['a short page that repeats one line', filler('lines', 1_000)],
  ])('reads %s as prose', (_name, text) => {
    expect(unreadableReason(text, SAMPLE)).toBeUndefined();
  });

  const expected: Record<FillerKind, string> = {
    lorem: 'repeats itself',
    'lorem-paragraph': 'repeats itself',
    lines: 'repeats itself',
    base64: 'encoded data',
    'base64-mime': 'encoded data',
    hex: 'encoded data',
    numbers: 'not words',
  };
  it.each(FILLER_KINDS)('finds 2 MB of %s filler not readable', (kind) => {
    expect(unreadableReason(filler(kind, 2_000_000), SAMPLE)).toBe(expected[kind]);
  });

  it('judges only the sample: prose followed by a blob is read as prose', () => {
    expect(unreadableReason(`${longProse(10_000)} ${filler('base64', 100_000)}`, 10_000)).toBeUndefined();
  });
});

describe('fairShares', () => {
  it('gives short texts their length and hands what they leave on to the long ones', () => {
    expect(fairShares([3_000, 2_000_000], 120_000)).toEqual([3_000, 117_000]);
    expect(fairShares([500, 90_000, 10, 90_000], 120_000)).toEqual([500, 59_745, 10, 59_745]);
    expect(fairShares([100, 200], 120_000)).toEqual([100, 200]);
    expect(fairShares([5_000, 5_000], 0)).toEqual([0, 0]);
  });

  it('hands on what a text does not take of its share', () => {
    // The first long text is cut 1,000 characters short of its share (at a sentence): the last gets them.
    const kept = fairShares([60_000, 70_000, 80_000], 120_000, (i, share) => (i === 0 ? share - 1_000 : share));
    expect(kept).toEqual([39_000, 40_500, 40_500]);
  });
});

describe('buildCorpus', () => {
  const limits = { budget: 20_000, minChars: 100 };

  it('numbers the readable sources in order, each within its share, the short ones whole', () => {
    const { sources, skipped } = buildCorpus(
      [
        { url: 'https://big.example/', title: 'Big', text: longProse(500_000) },
        { url: 'https://tiny.example/', title: 'Tiny', text: 'too short' },
        { url: 'https://junk.example/', title: 'Junk', text: filler('lorem', 500_000) },
        { url: 'https://uni.example/~ada', title: ' ', text: `  ${PROFILE_TEXT}\n` },
      ],
      limits,
    );
    expect(sources.map(({ n, url, title }) => ({ n, url, title }))).toEqual([
      { n: 1, url: 'https://big.example/', title: 'Big' },
      { n: 2, url: 'https://uni.example/~ada', title: 'https://uni.example/~ada' },
    ]);
    expect(sources[1]?.text).toBe(PROFILE_TEXT);
    const big = sources[0]?.text ?? '';
    expect(big.length).toBeLessThanOrEqual(limits.budget - PROFILE_TEXT.length);
    expect(big.length).toBeGreaterThan(limits.budget - PROFILE_TEXT.length - 300);
    expect(longProse(500_000).startsWith(big)).toBe(true);
    expect(big).toMatch(/\.$/);
    expect(skipped.map(({ url, reason }) => ({ url, reason }))).toEqual([
      { url: 'https://junk.example/', reason: 'repeats itself' },
    ]);
  });
});
