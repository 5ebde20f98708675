import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentError, RetryableError } from '../../../src/errors.ts';
import { createArxivPapers, parseArxivFeed, sameAuthor } from '../../../src/pipeline/clients/arxiv.ts';
import { createExaSearch } from '../../../src/pipeline/clients/exa.ts';
import { atomFeed, startFakeArxiv, type FakeArxiv } from '../../fakes/arxiv.ts';
import { startFakeExa, type FakeExa } from '../../fakes/exa.ts';

let exa: FakeExa;
let arxiv: FakeArxiv;
beforeAll(async () => {
  exa = await startFakeExa();
  arxiv = await startFakeArxiv([
    { id: '2401.00010', version: 2, title: 'Loops on the  Analytical Engine', authors: ['Ada Lovelace', 'Charles Babbage'], published: '2024-01-02T00:00:00Z', summary: 'We study loops.', categories: ['cs.PL', 'cs.LO'] },
    { id: '2305.01000', title: 'Bernoulli numbers', authors: ['A. Lovelace'], published: '2023-05-01T00:00:00Z', summary: 'Numbers.' },
    { id: '2201.12345', title: 'Unrelated', authors: ['Ada Lovelace-Smith'], published: '2022-01-01T00:00:00Z', summary: 'Someone else.' },
  ]);
});
afterAll(async () => {
  await exa.close();
  await arxiv.close();
});

describe('Exa WebSearch', () => {
  it('asks for page text and maps results, text or not', async () => {
    exa.results(/Lovelace/, [
      { url: 'https://uni.example/ada', title: 'Ada Lovelace', text: 'Profile text' },
      { url: 'https://js.example/lab', title: 'Lab', text: undefined },
    ]);
    const search = createExaSearch({ apiKey: exa.apiKey, baseUrl: exa.url });
    const results = await search.search('Ada Lovelace background', { numResults: 5 });
    expect(results).toEqual([
      expect.objectContaining({ url: 'https://uni.example/ada', title: 'Ada Lovelace', text: 'Profile text' }),
      expect.objectContaining({ url: 'https://js.example/lab', title: 'Lab', text: undefined }),
    ]);
    const body = exa.requests.at(-1)?.json as Record<string, unknown>;
    expect(body).toMatchObject({ query: 'Ada Lovelace background', numResults: 5, contents: { text: { maxCharacters: 20000 } } });
  });

  it('classifies failures: 401 permanent naming EXA_API_KEY, 500 and unreachable retryable', async () => {
    const wrong = createExaSearch({ apiKey: 'nope', baseUrl: exa.url });
    const denied = await wrong.search('q', { numResults: 1 }).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(PermanentError);
    expect((denied as Error).message).toBe('Exa rejected our credentials (401): check EXA_API_KEY');

    exa.failNext([{ status: 503 }]);
    const search = createExaSearch({ apiKey: exa.apiKey, baseUrl: exa.url });
    expect(await search.search('q', { numResults: 1 }).catch((e: unknown) => e)).toBeInstanceOf(RetryableError);
    const dead = createExaSearch({ apiKey: 'k', baseUrl: 'http://127.0.0.1:1' });
    expect(await dead.search('q', { numResults: 1 }).catch((e: unknown) => e)).toBeInstanceOf(RetryableError);
  });
});

describe('arXiv PaperSearch', () => {
  it('parses a one-entry feed: ids stay strings, single author and category become lists', () => {
    const [paper] = parseArxivFeed(atomFeed([{ id: '2401.00010', title: 'One', authors: ['Ada Lovelace'], published: '2024-01-02T00:00:00Z', summary: ' Line\n  two ' }], 'au:x'));
    expect(paper).toEqual({
      id: '2401.00010',
      title: 'One',
      authors: ['Ada Lovelace'],
      year: 2024,
      abstract: 'Line two',
      url: 'http://arxiv.org/abs/2401.00010v1',
      categories: ['cs.LG'],
    });
  });

  it('finds papers by author, keeps only real matches, and waits between requests', async () => {
    const papers = createArxivPapers({ apiUrl: arxiv.apiUrl, minIntervalMs: 150 });
    const found = await papers.byAuthor('Dr. Ada Lovelace', { maxResults: 10 });
    expect(found.map((p) => p.id)).toEqual(['2401.00010', '2305.01000']);
    expect(found[0]).toMatchObject({ title: 'Loops on the Analytical Engine', authors: ['Ada Lovelace', 'Charles Babbage'], categories: ['cs.PL', 'cs.LO'] });
    expect(arxiv.queries().at(-1)).toBe('au:"ada lovelace"');

    const before = arxiv.requests.length;
    await Promise.all([papers.byAuthor('Ada Lovelace', { maxResults: 5 }), papers.byAuthor('Ada Lovelace', { maxResults: 5 })]);
    const [a, b] = arxiv.requests.slice(before);
    expect(b!.at - a!.at).toBeGreaterThanOrEqual(140);
  });

  it('matches authors by surname and compatible first names or initials', () => {
    expect(sameAuthor('A. Lovelace', 'Ada Lovelace')).toBe(true);
    expect(sameAuthor('Ada Lovelace', 'Prof. Ada Lovelace')).toBe(true);
    expect(sameAuthor('Adá Lovelace', 'Ada Lovelace')).toBe(true);
    expect(sameAuthor('Bob Lovelace', 'Ada Lovelace')).toBe(false);
    expect(sameAuthor('Ada Lovelace-Smith', 'Ada Lovelace')).toBe(false);
  });

  it('turns a 503 into a retryable error', async () => {
    arxiv.failNext([{ status: 503, headers: { 'retry-after': '5' } }]);
    const err = await createArxivPapers({ apiUrl: arxiv.apiUrl, minIntervalMs: 0 }).byAuthor('Ada Lovelace', { maxResults: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RetryableError);
    expect(err).toMatchObject({ status: 503, retryAfterMs: 5000, service: 'arXiv' });
  });
});
