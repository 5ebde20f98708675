import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, PermanentError, RetryableError } from '../../../src/errors.ts';
import { authorQuery, createArxivPapers, parseArxivFeed, sameAuthor } from '../../../src/pipeline/clients/arxiv.ts';
import {
  atomFeed,
  errorFeed,
  MANUAL_ERROR_FEED,
  MANUAL_FEED,
  startFakeArxiv,
  withAtomPrefix,
  type FakeArxiv,
  type FakePaper,
} from '../../fakes/arxiv.ts';
import { deadUrl } from '../../fakes/http.ts';

const PAPERS: FakePaper[] = [
  {
    id: '2401.10000',
    version: 2,
    title: 'Loops on the  Analytical Engine',
    authors: ['Ada Lovelace', 'Charles Babbage'],
    published: '2024-01-02T00:00:00Z',
    summary: 'We study loops.',
    categories: ['cs.PL', 'cs.LO'],
  },
  {
    id: '2305.01000',
    title: 'Bernoulli numbers',
    authors: ['A. Lovelace'],
    published: '2023-05-01T00:00:00Z',
    summary: 'Numbers.',
  },
  {
    id: '2201.12345',
    title: 'Unrelated',
    authors: ['Ada Lovelace-Smith'],
    published: '2022-01-01T00:00:00Z',
    summary: 'Someone else.',
  },
  {
    id: '2112.00001',
    title: 'Also unrelated',
    authors: ['Bob Lovelace'],
    published: '2021-12-01T00:00:00Z',
    summary: 'A namesake.',
  },
];

let arxiv: FakeArxiv;
beforeAll(async () => {
  arxiv = await startFakeArxiv(PAPERS);
});
afterAll(() => arxiv.close());
beforeEach(() => {
  arxiv.latencyMs = 0;
});

const failureOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e,
  );

describe('arXiv feed parsing', () => {
  it('parses a one-entry feed: the id stays a string, a single author and category become lists', () => {
    const papers = parseArxivFeed(
      atomFeed(
        [
          {
            id: '2401.10000',
            version: 3,
            title: 'One & only',
            authors: ['Ada Lovelace'],
            published: '2024-01-02T00:00:00Z',
            summary: ' Line\n  two ',
          },
        ],
        'au:x',
      ),
    );
    expect(papers).toEqual([
      {
        id: '2401.10000', // as a number it would be 2401.1
        title: 'One & only',
        authors: ['Ada Lovelace'],
        year: 2024,
        abstract: 'Line two',
        url: 'http://arxiv.org/abs/2401.10000v3', // the feed's own "alternate" link
        categories: ['cs.LG'],
      },
    ]);
  });

  it('parses a multi-entry feed, old-style ids included, in feed order', () => {
    const papers = parseArxivFeed(
      atomFeed(
        [
          PAPERS[0]!,
          {
            id: 'math/0501001',
            version: 4,
            title: 'Old style',
            authors: ['Ada Lovelace', 'Mary Somerville', 'Charles Babbage'],
            published: '2005-01-03T00:00:00Z',
            summary: 'Old.',
            categories: ['math.NT', 'math.HO', 'cs.DM'],
          },
        ],
        'au:x',
      ),
    );
    expect(papers.map((p) => [p.id, p.year, p.title, p.authors.length, p.categories])).toEqual([
      ['2401.10000', 2024, 'Loops on the Analytical Engine', 2, ['cs.PL', 'cs.LO']],
      ['math/0501001', 2005, 'Old style', 3, ['math.NT', 'math.HO', 'cs.DM']],
    ]);
    expect(papers.every((p) => typeof p.id === 'string')).toBe(true);
  });

  it('parses an empty feed to no papers, and refuses a body that is no feed', () => {
    expect(parseArxivFeed(atomFeed([], 'au:x'))).toEqual([]);
    expect(() => parseArxivFeed('<html><body>Service down</body></html>')).toThrow(RetryableError);
  });

  it("turns arXiv's error entry into a PermanentError in arXiv's words", () => {
    const err = (() => {
      try {
        return parseArxivFeed(errorFeed('incorrect id format for 1234.12345'));
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).toMatchObject({
      code: ErrorCode.ServiceRejected,
      service: 'arXiv',
      message: 'arXiv refused the search: incorrect id format for 1234.12345',
    });
  });
});

describe("arXiv feed parsing: the manual's forms", () => {
  const H1 = {
    id: 'hep-ex/0307015',
    title: 'Multi-Electron Production at High Transverse Momenta in ep Collisions at HERA',
    authors: ['H1 Collaboration'],
    year: 2003,
    abstract:
      'Multi-electron production is studied at high electron transverse momentum in positron- and electron-proton collisions using the H1 detector at HERA.',
    url: 'http://arxiv.org/abs/hep-ex/0307015v1',
    categories: ['hep-ex'],
  };

  it('reads a feed whose every element declares its namespace (<id xmlns="…Atom">)', () => {
    expect(parseArxivFeed(MANUAL_FEED)).toEqual([H1]);
  });

  it('reads a feed written with an Atom prefix (<atom:entry>), in either form', () => {
    expect(parseArxivFeed(withAtomPrefix(MANUAL_FEED))).toEqual([H1]);
    expect(parseArxivFeed(withAtomPrefix(atomFeed(PAPERS.slice(0, 2), 'au:x')))).toEqual(
      parseArxivFeed(atomFeed(PAPERS.slice(0, 2), 'au:x')),
    );
    expect(parseArxivFeed(withAtomPrefix(atomFeed(PAPERS, 'au:x')))).toHaveLength(4);
  });

  it("turns the manual's error entry into a PermanentError in arXiv's words", () => {
    for (const xml of [MANUAL_ERROR_FEED, withAtomPrefix(MANUAL_ERROR_FEED)]) {
      expect(() => parseArxivFeed(xml)).toThrow(PermanentError);
      expect(() => parseArxivFeed(xml)).toThrow(/^arXiv refused the search: incorrect id format for 1234\.12345$/);
    }
  });
});

describe('arXiv author names', () => {
  it('builds an author query: the name, without middle names, and with an initial', () => {
    expect(authorQuery('Dr. Ada Lovelace')).toBe('au:"Ada Lovelace" OR au:"A Lovelace"');
    expect(authorQuery('Prof. Ada Byron Lovelace')).toBe(
      'au:"Ada Byron Lovelace" OR au:"Ada Lovelace" OR au:"A Lovelace"',
    );
    expect(authorQuery('Émilie du Châtelet')).toBe(
      'au:"Émilie du Châtelet" OR au:"Émilie Châtelet" OR au:"É Châtelet"',
    );
    expect(authorQuery('Lovelace')).toBe('au:"Lovelace"');
    expect(authorQuery('Ada "the enchantress" Lovelace')).not.toContain('""');
    expect(authorQuery('Dr.')).toBeUndefined();
  });

  it('matches authors by surname and compatible first names or initials', () => {
    expect(sameAuthor('A. Lovelace', 'Ada Lovelace')).toBe(true);
    expect(sameAuthor('Ada Lovelace', 'Prof. Ada Lovelace')).toBe(true);
    expect(sameAuthor('Adá Lovelace', 'Ada Lovelace')).toBe(true);
    expect(sameAuthor('ADA B. LOVELACE', 'Ada Lovelace')).toBe(true);
    expect(sameAuthor('Ada Lovelace', 'A. Lovelace')).toBe(true);
    expect(sameAuthor('Иван Петров', 'Иван Петров')).toBe(true);
    expect(sameAuthor('Bob Lovelace', 'Ada Lovelace')).toBe(false);
    expect(sameAuthor('B. Lovelace', 'Ada Lovelace')).toBe(false);
    expect(sameAuthor('Ada Lovelace-Smith', 'Ada Lovelace')).toBe(false);
    expect(sameAuthor('Пётр Петров', 'Иван Петров')).toBe(false);
  });
});

describe('arXiv PaperSearch', () => {
  it('asks for the newest papers by the author and keeps only real matches', async () => {
    const found = await createArxivPapers({ apiUrl: arxiv.apiUrl, minIntervalMs: 0 }).byAuthor('Dr. Ada Lovelace', {
      maxResults: 10,
    });
    expect(found.map((p) => p.id)).toEqual(['2401.10000', '2305.01000']);
    expect(found[0]).toMatchObject({
      title: 'Loops on the Analytical Engine',
      authors: ['Ada Lovelace', 'Charles Babbage'],
      categories: ['cs.PL', 'cs.LO'],
    });
    const sent = new URL(arxiv.requests.at(-1)!.path, 'http://x');
    expect(sent.pathname).toBe('/api/query');
    expect(Object.fromEntries(sent.searchParams)).toEqual({
      search_query: 'au:"Ada Lovelace" OR au:"A Lovelace"',
      sortBy: 'submittedDate',
      sortOrder: 'descending',
      start: '0',
      max_results: '20',
    });
  });

  it('returns at most maxResults, and asks nothing for a name without letters', async () => {
    const papers = createArxivPapers({ apiUrl: arxiv.apiUrl, minIntervalMs: 0 });
    expect(await papers.byAuthor('Ada Lovelace', { maxResults: 1 })).toHaveLength(1);
    const before = arxiv.requests.length;
    expect(await papers.byAuthor('Prof.', { maxResults: 5 })).toEqual([]);
    expect(arxiv.requests.length).toBe(before);
  });

  it('makes one request at a time, starting each only minIntervalMs after the previous one ended', async () => {
    arxiv.latencyMs = 100;
    const papers = createArxivPapers({ apiUrl: arxiv.apiUrl, minIntervalMs: 150 });
    // A second instance shares the lane: arXiv's limit is per client, not per object.
    const other = createArxivPapers({ apiUrl: arxiv.apiUrl, minIntervalMs: 150 });
    const before = arxiv.requests.length;
    await Promise.all([
      papers.byAuthor('Ada Lovelace', { maxResults: 5 }),
      other.byAuthor('Ada Lovelace', { maxResults: 5 }),
      papers.byAuthor('Charles Babbage', { maxResults: 5 }),
    ]);
    const at = arxiv.requests.slice(before).map((r) => r.at);
    expect(at).toHaveLength(3);
    // Each request arrived after the previous one's 100 ms answer plus the 150 ms pause.
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(245);
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(245);
  });

  it('answers a caller who gives up while waiting at once, and never sends that request', async () => {
    const own = await startFakeArxiv(PAPERS); // a lane of its own: nothing waits before the first request
    try {
      const papers = createArxivPapers({ apiUrl: own.apiUrl, minIntervalMs: 60_000 });
      await papers.byAuthor('Ada Lovelace', { maxResults: 5 }); // the next one must wait a minute
      const controller = new AbortController();
      const waiting = failureOf(papers.byAuthor('Ada Lovelace', { maxResults: 5, signal: controller.signal }));
      controller.abort();
      expect(await waiting).toMatchObject({
        code: ErrorCode.ServiceUnavailable,
        message: 'arXiv could not be reached: the request was cancelled',
      });
      expect(own.requests).toHaveLength(1);
    } finally {
      await own.close();
    }
  });

  it('classifies failures: 503 with Retry-After, a hang, a dead server, a refused query', async () => {
    const fresh = await startFakeArxiv(PAPERS);
    try {
      const papers = createArxivPapers({ apiUrl: fresh.apiUrl, minIntervalMs: 0, timeoutMs: 200 });
      fresh.failNext([{ status: 503, headers: { 'retry-after': '5' }, body: 'busy' }]);
      const busy = await failureOf(papers.byAuthor('Ada Lovelace', { maxResults: 5 }));
      expect(busy).toBeInstanceOf(RetryableError);
      expect(busy).toMatchObject({ status: 503, retryAfterMs: 5000, service: 'arXiv' });

      fresh.failNext([{ hang: true }]);
      expect(await failureOf(papers.byAuthor('Ada Lovelace', { maxResults: 5 }))).toMatchObject({
        code: ErrorCode.Timeout,
        message: 'arXiv did not answer within 200 ms',
      });

      const badPath = createArxivPapers({ apiUrl: `${fresh.url}/api/wrong`, minIntervalMs: 0 });
      const refused = await failureOf(badPath.byAuthor('Ada Lovelace', { maxResults: 5 }));
      expect(refused).toBeInstanceOf(PermanentError);
      expect((refused as Error).message).toMatch(/^arXiv refused the search: incorrect search_query/);
    } finally {
      await fresh.close();
    }
    const dead = await failureOf(
      createArxivPapers({ apiUrl: `${await deadUrl()}/api/query`, minIntervalMs: 0 }).byAuthor('Ada Lovelace', {
        maxResults: 5,
      }),
    );
    expect(dead).toMatchObject({
      code: ErrorCode.ServiceUnavailable,
      message: 'arXiv could not be reached: the connection was refused',
    });
  });

  it("reads the manual's feed form from the API, and its error entry at any status", async () => {
    const fresh = await startFakeArxiv(PAPERS);
    try {
      const papers = createArxivPapers({ apiUrl: fresh.apiUrl, minIntervalMs: 0 });
      const atom = { 'content-type': 'application/atom+xml; charset=utf-8' };
      fresh.failNext([{ status: 200, headers: atom, body: MANUAL_FEED }]);
      expect((await papers.byAuthor('H1 Collaboration', { maxResults: 5 })).map((p) => p.id)).toEqual([
        'hep-ex/0307015',
      ]);

      for (const status of [200, 400, 500]) {
        fresh.failNext([{ status, headers: atom, body: MANUAL_ERROR_FEED }]);
        const refused = await failureOf(papers.byAuthor('Ada Lovelace', { maxResults: 5 }));
        expect(refused).toBeInstanceOf(PermanentError);
        expect(refused).toMatchObject({
          code: ErrorCode.ServiceRejected,
          service: 'arXiv',
          message: 'arXiv refused the search: incorrect id format for 1234.12345',
        });
      }
      // A failure that is not arXiv's error entry is still judged by its status.
      fresh.failNext([{ status: 500, headers: atom, body: atomFeed([], 'au:x') }]);
      expect(await failureOf(papers.byAuthor('Ada Lovelace', { maxResults: 5 }))).toBeInstanceOf(RetryableError);
    } finally {
      await fresh.close();
    }
  });
});

describe("arXiv's author feeds (arxiv.org/a/<id>.atom2)", () => {
  it('reads every paper the author claimed, newest first, from the author URL', async () => {
    arxiv.authorFeeds = { lovelace_a_1: ['2305.01000', '2401.10000'] };
    const papers = createArxivPapers({ apiUrl: arxiv.apiUrl, authorUrl: `${arxiv.url}/a/`, minIntervalMs: 0 });
    const found = await papers.byAuthorId!('lovelace_a_1');
    expect(found.map((p) => p.id)).toEqual(['2401.10000', '2305.01000']);
    expect(found[0]).toMatchObject({
      title: 'Loops on the Analytical Engine',
      authors: ['Ada Lovelace', 'Charles Babbage'],
    });
    expect(new URL(arxiv.requests.at(-1)!.path, 'http://x').pathname).toBe('/a/lovelace_a_1.atom2');
  });

  it('says an id arXiv does not know (404) is unknown, in words, as a permanent error', async () => {
    const papers = createArxivPapers({ apiUrl: arxiv.apiUrl, minIntervalMs: 0 });
    const failure = await papers.byAuthorId!('lovelace_a_9').catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PermanentError);
    expect(failure).toMatchObject({ code: ErrorCode.InvalidInput, status: 404 });
    expect((failure as Error).message).toMatch(/^arXiv has no author lovelace_a_9: /);
  });
});
