import { describe, expect, it } from 'vitest';
import { numberSources } from '../../src/pipeline/assemble.ts';
import { splitSentences } from '../../src/pipeline/chunk.ts';
import { checkFills, sameVenue, titleMentions, unknownTitles, venueMentions } from '../../src/pipeline/fill-checks.ts';
import type { Slot } from '../../src/pipeline/types.ts';
import { PAPERS } from './fixtures.ts';

const citables = numberSources([{ n: 1, url: 'https://uni.example/~ada', title: 'Ada Lovelace — London' }], PAPERS);
const slots: Slot[] = [
  { placeholder: '[topic]', owner: 'recipient' },
  { placeholder: '[note]', owner: 'personal' },
  { placeholder: '[Your Name]', owner: 'sender' },
];
const template = 'I read about [topic]. [note]\n[Your Name]';
const check = (topic: string, note = 'Your loops helped me.', language = 'en', sources = [1]) =>
  checkFills({
    fills: [
      { slot: '[topic]', text: topic, sources },
      { slot: '[note]', text: note, sources: [1] },
    ],
    slots,
    template,
    email: template.replace('[topic]', topic).replace('[note]', note),
    language,
    recipientName: 'Ada Lovelace',
    recipientInterest: 'analytical engines',
    citables,
    researchSummary: 'She studies loops in punched-card programs [1], since 1843.',
  });

// The same papers, the second with the venue its directory record gives.
const withVenue = numberSources(
  [{ n: 1, url: 'https://uni.example/~ada', title: 'Ada Lovelace — London' }],
  PAPERS.map((p) => (p.id === '2301.00002' ? { ...p, venue: 'Journal of Machine Learning Research' } : p)),
);
const checkVenue = (topic: string, sources = [3], summary = 'She studies loops in punched-card programs [1].') =>
  checkFills({
    fills: [{ slot: '[topic]', text: topic, sources }],
    slots: [{ placeholder: '[topic]', owner: 'recipient' }],
    template: 'I read [topic].',
    email: `I read ${topic}.`,
    language: 'en',
    recipientName: 'Ada Lovelace',
    recipientInterest: 'analytical engines',
    citables: withVenue,
    researchSummary: summary,
  });

describe('venues', () => {
  it('finds a venue after "published in / presented at …" and right after a paper’s title', () => {
    expect(venueMentions('work published in the Journal of Machine Learning Research', 'en', withVenue)).toEqual([
      'Journal of Machine Learning Research',
    ]);
    expect(venueMentions('your paper “Programs for analytical engines” at NeurIPS', 'en', withVenue)).toEqual([
      'NeurIPS',
    ]);
    expect(venueMentions('“Programs for analytical engines” (ICML 2023)', 'en', withVenue)).toEqual(['ICML']);
    expect(venueMentions('Ihr Aufsatz, erschienen in Nature, über Maschinen', 'de', withVenue)).toEqual(['Nature']);
    // Not a venue: "in" after something that is not a paper's title, or a plain phrase.
    expect(venueMentions('your work in London on analytical engines', 'en', withVenue)).toEqual([]);
  });

  it('takes the record’s name, its initials or a part of it as the same venue', () => {
    expect(sameVenue('JMLR', 'Journal of Machine Learning Research')).toBe(true);
    expect(sameVenue('the Journal of Machine Learning Research', 'Journal of Machine Learning Research')).toBe(true);
    expect(sameVenue('arXiv', 'arXiv (Cornell University)')).toBe(true);
    expect(sameVenue('Nature', 'Journal of Machine Learning Research')).toBe(false);
  });

  it('flags a venue that disagrees with the paper record, by title or by number', () => {
    expect(checkVenue('your paper “Programs for analytical engines” in JMLR')).toEqual([]);
    expect(checkVenue('your paper “Programs for analytical engines” in Nature', [1])).toEqual([
      'The text for [topic] gives the venue Nature, but the record of “Programs for analytical engines” gives Journal of Machine Learning Research.',
    ]);
    expect(checkVenue('your work published in Nature', [3])).toEqual([
      'The text for [topic] gives the venue Nature, but the record of “Programs for analytical engines” gives Journal of Machine Learning Research.',
    ]);
  });

  it('flags a venue no source gives for a paper with no venue on record (arXiv’s feed has none)', () => {
    expect(checkVenue('your paper “Bernoulli numbers on a mechanical engine” at NeurIPS', [4])).toEqual([
      'The text for [topic] gives the venue NeurIPS, which none of its sources gives.',
    ]);
  });

  it('takes no author list in brackets after a title for a venue', () => {
    expect(checkVenue('your paper “Programs for analytical engines” (Lovelace and Babbage)')).toEqual([]);
  });

  it('raises no alarm for a venue the research or a source names', () => {
    const summary = 'Her Bernoulli paper was presented at NeurIPS 2022 [1]; she also wrote for Nature.';
    expect(checkVenue('your paper “Bernoulli numbers on a mechanical engine” at NeurIPS', [4], summary)).toEqual([]);
    expect(checkVenue('your paper “Programs for analytical engines” in Nature', [3], summary)).toEqual([]);
  });
});

describe('titleMentions', () => {
  it('finds titles in every quote style and unquoted runs of capitalised words', () => {
    expect(titleMentions('„Programme für Maschinen“ und «Des machines à calcul»', 'de')).toEqual([
      'Programme für Maschinen',
      'Des machines à calcul',
    ]);
    expect(titleMentions('您的《分析机》和「ループの研究」', 'zh')).toEqual(['分析机', 'ループの研究']);
    expect(titleMentions('your paper A Theory of Difference Engines, from London', 'en')).toEqual([
      'A Theory of Difference Engines',
    ]);
  });

  it('in German, counts an unquoted capitalised run only after a word such as "Paper"', () => {
    expect(titleMentions('Ihre Analytische Maschine Ihrer Gruppe', 'de')).toEqual([]);
    expect(titleMentions('Ihr Paper A Theory of Difference Engines', 'de')).toEqual(['A Theory of Difference Engines']);
  });
});

describe('unknownTitles', () => {
  it('accepts the recipient’s papers (quoted or not, in any quotes) and what the research names', () => {
    expect(
      unknownTitles('your 《Programs for analytical engines》 and the Royal Society Of London', 'en', citables, [
        'the Royal Society of London',
      ]),
    ).toEqual([]);
    expect(unknownTitles('your paper “A Theory of Difference Engines”', 'en', citables, [])).toEqual([
      'A Theory of Difference Engines',
    ]);
  });
});

describe('checkFills', () => {
  it('passes sourced fills within their budgets', () => {
    expect(check('loops in punched-card programs')).toEqual([]);
  });

  it('counts sentences ending in 。！？ and in . ! ?', () => {
    expect(splitSentences('您好！我读了。很好？')).toEqual(['您好！', '我读了。', '很好？']);
    expect(check('循环。程序。', '您好！我读了。很好？', 'zh')).toEqual([
      'The text for [topic] is 2 sentences long; at most 1.',
      'The text for [note] is 3 sentences long; at most 2.',
    ]);
  });

  it('flags a year that neither the cited paper nor the research gives', () => {
    // Papers are numbered after the one web source: 2, 3 ("Programs for analytical engines", 2023), 4.
    expect(check('your 2023 paper “Programs for analytical engines”', undefined, 'en', [3])).toEqual([]);
    expect(check('your 2022 paper', undefined, 'en', [4])).toEqual([]);
    expect(check('your 1843 notes', undefined, 'en', [1])).toEqual([]);
    expect(check('your 2019 paper “Programs for analytical engines”', undefined, 'en', [4])).toEqual([
      'The text for [topic] gives the year 2019, but “Programs for analytical engines” is from 2023.',
    ]);
  });

  it('needs no source for the recipient’s name or interest, and never asks about the sender’s slot', () => {
    expect(check('Dr. Lovelace', undefined, 'en', [])).toEqual([]);
    expect(check('analytical engines', undefined, 'en', [])).toEqual([]);
    expect(check('her famous loops', undefined, 'en', []).join(' ')).toMatch(/cites no source/);
    expect(check('x').join(' ')).not.toContain('[Your Name]');
  });

  it('keeps the whole email within the template + 400 characters', () => {
    const long = 'loops '.repeat(39).trim();
    const note = `${'Your loops helped me a great deal, '.repeat(6).trim()}.`;
    expect(check(long, note)).toEqual([
      expect.stringMatching(/^The fills add \d+ characters to the template; at most 400 in all\.$/),
    ]);
  });
});
