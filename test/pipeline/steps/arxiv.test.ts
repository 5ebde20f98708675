import { describe, expect, it } from 'vitest';
import { ErrorCode, PermanentError } from '../../../src/errors.ts';
import { ARXIV_BASELINE, ARXIV_LIMITS, findPapers } from '../../../src/pipeline/steps/arxiv.ts';
import { rankPapers, terms } from '../../../src/pipeline/rank.ts';
import { papersDouble, sequence } from '../doubles.ts';
import { PAPERS, paper } from '../fixtures.ts';

const input = {
  recipientName: ' Ada Lovelace ',
  recipientInterest: 'analytical engines',
  searchTerms: ['Bernoulli numbers'],
};

describe('findPapers', () => {
  it('asks for 20 papers by the author and keeps the five most relevant', async () => {
    const many = [
      ...Array.from({ length: 10 }, (_, i) => paper(`2402.0${i}000`, `Looms and textiles part ${i}`, 2024, 'Weaving.')),
      ...PAPERS,
    ];
    const papers = papersDouble(sequence(many));
    const { output, warnings } = await findPapers(input, { papers });
    expect(papers.authors).toEqual(['Ada Lovelace']);
    expect(output.papers).toHaveLength(5);
    // The two on-topic papers first, whatever their age; then the most recent of the rest.
    expect(output.papers.slice(0, 2).map((p) => p.id)).toEqual(['2201.00003', '2301.00002']);
    expect(output.papers.slice(2).every((p) => p.year === 2024)).toBe(true);
    expect(warnings).toEqual([]);
  });

  it('keeps an abstract, trimmed to its first sentences, only for the papers that match the interest', async () => {
    const long = Array.from({ length: 12 }, (_, i) => `Analytical engines run loop ${i} of the program.`).join(' ');
    const matching = paper('2401.1', 'Programs for analytical engines', 2024, long);
    const offTopic = paper('2401.2', 'A survey of weaving looms', 2024, 'Looms weave cloth. They are old.');
    const { output } = await findPapers(input, { papers: papersDouble(sequence([offTopic, matching])) });
    expect(output.papers.map((p) => [p.id, p.title, p.year])).toEqual([
      ['2401.1', 'Programs for analytical engines', 2024],
      ['2401.2', 'A survey of weaving looms', 2024],
    ]);
    const abstract = output.papers[0]?.abstract ?? '';
    expect(abstract.length).toBeLessThanOrEqual(ARXIV_LIMITS.abstractChars);
    expect(long.startsWith(abstract)).toBe(true);
    expect(abstract).toMatch(/program\.$/);
    expect(output.papers[1]?.abstract).toBe('');

    // The baseline (before issue 21) kept every abstract, up to what the composer read of it.
    const baseline = await findPapers(input, { papers: papersDouble(sequence([offTopic, matching])) }, ARXIV_BASELINE);
    expect(baseline.output.papers.map((p) => p.abstract)).toEqual([long, 'Looms weave cloth. They are old.']);
  });

  it('warns when there are no papers', async () => {
    const { output, warnings } = await findPapers(input, { papers: papersDouble(sequence([])) });
    expect(output.papers).toEqual([]);
    expect(warnings).toEqual(['No arXiv papers by Ada Lovelace were found.']);
  });

  it('warns when no paper mentions the interest, and keeps the most recent', async () => {
    const off = [paper('1', 'Looms', 2020), paper('2', 'Textiles', 2023), paper('3', 'Cards', 2021)];
    const { output, warnings } = await findPapers(input, { papers: papersDouble(sequence(off)) });
    expect(output.papers.map((p) => p.year)).toEqual([2023, 2021, 2020]);
    expect(warnings[0]).toMatch(/mention the interest/);
  });

  it('lets a search failure through (the runner decides about retrying)', async () => {
    const error = new PermanentError(ErrorCode.ServiceRejected, 'arXiv rejected the query (400)');
    await expect(findPapers(input, { papers: papersDouble(() => Promise.reject(error)) })).rejects.toBe(error);
  });
});

describe('rankPapers', () => {
  it('weighs title matches over abstract matches and rare terms over common ones', () => {
    const papers = [
      paper('a', 'On engines', 2020, 'analytical methods'),
      paper('b', 'Analytical engines', 2020, ''),
      paper('c', 'Other', 2020, 'engines everywhere'),
    ];
    expect(rankPapers(papers, ['analytical engines']).map((r) => r.paper.id)).toEqual(['b', 'a', 'c']);
  });

  it('breaks ties by recency, then by the search order', () => {
    const papers = [paper('old', 'X', 2019), paper('new', 'Y', 2024), paper('new2', 'Z', 2024)];
    expect(rankPapers(papers, ['nothing matches']).map((r) => r.paper.id)).toEqual(['new', 'new2', 'old']);
  });

  it('uses stemmed terms without stop words', () => {
    expect(terms('The Networks of Studies and a GPU')).toEqual(['network', 'study', 'gpu']);
  });
});
