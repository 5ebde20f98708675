import { getEventListeners } from 'node:events';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ErrorCode, PermanentError, RetryableError } from '../../../src/errors.ts';
import { authorQuery, createArxivPapers, parseArxivFeed, sameAuthor } from '../../../src/pipeline/clients/arxiv.ts';
import {
  atomFeed,
  authorTerms,
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

/** The ids of a feed's papers, or arXiv's refusal as a string. */
const parseArxivFeedOrNot = (xml: string) => {
  try {
    return parseArxivFeed(xml).map((p) => p.id);
  } catch (e) {
    return (e as Error).message;
  }
};

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

/**
 * A fake of its own: a lane of its own, so nothing another test queued is waiting in it. Its
 * connection is opened first (outside the lane, then forgotten): the fake records when a request
 * arrived, and a first request that opens the connection arrives later after its start than the
 * next ones, which reuse it, so start-to-start gaps would look a few ms short.
 */
async function withOwnArxiv(papers: FakePaper[], body: (fake: FakeArxiv) => Promise<void>): Promise<void> {
  const fake = await startFakeArxiv(papers);
  try {
    await (await fetch(`${fake.url}/a/warm.atom2`)).text();
    fake.requests.length = 0;
    await body(fake);
  } finally {
    await fake.close();
  }
}

const paper = (id: string, authors: string[], published: string): FakePaper => ({
  id,
  title: `Paper ${id}`,
  authors,
  published,
  summary: 'About it.',
});

const CROWD: FakePaper[] = [
  paper('2405.00001', ['Grace Hopper', 'Emmy Noether'], '2024-05-01T00:00:00Z'),
  paper('2404.00001', ['Ada Lovelace'], '2024-04-01T00:00:00Z'),
  paper('2403.00001', ['Emmy Noether'], '2024-03-01T00:00:00Z'),
  paper('2402.00001', ['Bob Hopper'], '2024-02-01T00:00:00Z'), // a namesake
  paper('2401.00001', ['Grace Hopper'], '2024-01-01T00:00:00Z'),
  paper('2301.00001', ['Mary Somerville'], '2023-01-01T00:00:00Z'),
];

/**
 * The fake records when a request arrived, a few ms after the client started it (more or less so
 * from one request to the next, in one busy process): gaps are checked to this much below the interval.
 */
const JITTER_MS = 10;

/** Start-to-start gaps between the requests received, and whether one began before the previous one ended. */
function pacing(fake: FakeArxiv) {
  const all = [...fake.requests].sort((a, b) => a.at - b.at);
  return {
    gaps: all.slice(1).map((r, i) => r.at - all[i]!.at),
    overlapped: all.slice(1).some((r, i) => all[i]!.doneAt === undefined || r.at < all[i]!.doneAt!),
  };
}

describe("arXiv's lane: paced start to start, searches by name shared", () => {
  it('starts a request minIntervalMs after the previous one STARTED, never two in flight, across instances', async () => {
    await withOwnArxiv(PAPERS, async (fake) => {
      fake.authorFeeds = { lovelace_a_1: ['2401.10000'] };
      // Answers (250 ms) quicker than the interval (300 ms): start to start is the interval, not
      // answer + interval (550 ms) as when the pause was counted from the end.
      fake.latencyMs = 250;
      const papers = createArxivPapers({ apiUrl: fake.apiUrl, minIntervalMs: 300 });
      const other = createArxivPapers({ apiUrl: fake.apiUrl, minIntervalMs: 300 }); // the same lane
      await Promise.all([
        papers.byAuthorId!('lovelace_a_1'),
        other.byAuthorId!('lovelace_a_1'),
        papers.byAuthorId!('lovelace_a_1'),
      ]);
      let seen = pacing(fake);
      expect(seen.gaps).toHaveLength(2);
      for (const gap of seen.gaps) {
        expect(gap).toBeGreaterThanOrEqual(300 - JITTER_MS);
        expect(gap).toBeLessThan(500);
      }
      expect(seen.overlapped).toBe(false);

      // An answer slower (450 ms) than the interval: the next request starts when it ends, not 300 ms later.
      fake.latencyMs = 450;
      fake.requests.length = 0;
      await Promise.all([papers.byAuthorId!('lovelace_a_1'), other.byAuthorId!('lovelace_a_1')]);
      seen = pacing(fake);
      expect(seen.gaps).toHaveLength(1);
      expect(seen.gaps[0]).toBeGreaterThanOrEqual(450 - JITTER_MS);
      expect(seen.gaps[0]).toBeLessThan(700);
      expect(seen.overlapped).toBe(false);
    });
  });

  it('shares one request among the searches waiting: one OR query, max_results summed, each caller only its own papers', async () => {
    await withOwnArxiv(CROWD, async (fake) => {
      fake.latencyMs = 100;
      const papers = createArxivPapers({ apiUrl: fake.apiUrl, minIntervalMs: 200 });
      const first = papers.byAuthor('Mary Somerville', { maxResults: 5 }); // in flight: the rest wait
      await new Promise((r) => setTimeout(r, 20));
      const generation = new AbortController(); // one long-lived signal: no listener is left on it
      const [ada, grace, emmy] = await Promise.all([
        papers.byAuthor('Ada Lovelace', { maxResults: 5, signal: generation.signal }),
        papers.byAuthor('Grace Hopper', { maxResults: 5, signal: generation.signal }),
        papers.byAuthor('Emmy Noether', { maxResults: 1, signal: generation.signal }),
      ]);
      expect(getEventListeners(generation.signal, 'abort')).toHaveLength(0);
      expect((await first).map((p) => p.id)).toEqual(['2301.00001']);
      expect(fake.searches().map(({ query, maxResults }) => ({ query, maxResults }))).toEqual([
        { query: 'au:"Mary Somerville" OR au:"M Somerville"', maxResults: 10 },
        {
          query:
            'au:"Ada Lovelace" OR au:"A Lovelace" OR au:"Grace Hopper" OR au:"G Hopper" OR au:"Emmy Noether" OR au:"E Noether"',
          maxResults: 10 + 10 + 2,
        },
      ]);
      expect(ada!.map((p) => p.id)).toEqual(['2404.00001']);
      expect(grace!.map((p) => p.id)).toEqual(['2405.00001', '2401.00001']); // not Bob Hopper's
      expect(emmy!.map((p) => p.id)).toEqual(['2405.00001']); // the newest, sliced to its one
      const [, shared] = fake.searches();
      expect(shared!.at - fake.searches()[0]!.at).toBeGreaterThanOrEqual(200 - JITTER_MS);
    });
  });

  it('shares at most ten names a request; callers asking the same name share its term', async () => {
    await withOwnArxiv(CROWD, async (fake) => {
      const papers = createArxivPapers({ apiUrl: fake.apiUrl, minIntervalMs: 50 });
      const names = Array.from({ length: 11 }, (_, i) => `Person${'x'.repeat(i + 1)} Hopper`);
      await Promise.all([
        ...names.map((n) => papers.byAuthor(n, { maxResults: 1 })),
        papers.byAuthor('Grace Hopper', { maxResults: 1 }),
        papers.byAuthor('Grace Hopper', { maxResults: 3 }),
      ]);
      const sent = fake.searches();
      expect(sent).toHaveLength(2);
      expect(sent[0]!.query.match(/au:"Person/g)).toHaveLength(10);
      expect(sent[1]!.query).toBe(
        'au:"Personxxxxxxxxxxx Hopper" OR au:"P Hopper" OR au:"Grace Hopper" OR au:"G Hopper"',
      );
      expect(sent[1]!.maxResults).toBe(2 + 6); // the larger of Grace Hopper's two wants
    });
  });

  it('asks again, alone, for a caller short of papers when the shared feed came back full', async () => {
    const many = Array.from({ length: 4 }, (_, i) =>
      paper(`2406.0000${i}`, ['Grace Hopper'], `2024-06-0${i + 1}T00:00:00Z`),
    );
    await withOwnArxiv([...many, paper('2001.00001', ['Ada Lovelace'], '2020-01-01T00:00:00Z')], async (fake) => {
      const papers = createArxivPapers({ apiUrl: fake.apiUrl, minIntervalMs: 50 });
      const [ada, grace] = await Promise.all([
        papers.byAuthor('Ada Lovelace', { maxResults: 1 }),
        papers.byAuthor('Grace Hopper', { maxResults: 1 }),
      ]);
      // The shared feed (2 + 2) was all Grace Hopper's: Ada Lovelace's paper was below the cut.
      expect(fake.searches().map(({ query, maxResults }) => ({ query, maxResults }))).toEqual([
        { query: 'au:"Ada Lovelace" OR au:"A Lovelace" OR au:"Grace Hopper" OR au:"G Hopper"', maxResults: 4 },
        { query: 'au:"Ada Lovelace" OR au:"A Lovelace"', maxResults: 2 },
      ]);
      expect(ada!.map((p) => p.id)).toEqual(['2001.00001']);
      expect(grace!.map((p) => p.id)).toEqual(['2406.00003']);
      expect(pacing(fake).gaps[0]).toBeGreaterThanOrEqual(50 - JITTER_MS);
    });
  });

  it('answers a caller who gives up at once: while waiting it leaves the shared request, in flight the others still get theirs', async () => {
    await withOwnArxiv(CROWD, async (fake) => {
      fake.latencyMs = 150;
      const papers = createArxivPapers({ apiUrl: fake.apiUrl, minIntervalMs: 300 });
      const first = papers.byAuthor('Mary Somerville', { maxResults: 5 });
      await new Promise((r) => setTimeout(r, 20));
      const quits = new AbortController();
      const waiting = failureOf(papers.byAuthor('Ada Lovelace', { maxResults: 5, signal: quits.signal }));
      const stays = papers.byAuthor('Grace Hopper', { maxResults: 5 });
      quits.abort();
      expect(await waiting).toMatchObject({
        code: ErrorCode.ServiceUnavailable,
        message: 'arXiv could not be reached: the request was cancelled',
      });
      expect(fake.requests).toHaveLength(1); // answered before the shared request started
      expect((await stays).map((p) => p.id)).toEqual(['2405.00001', '2401.00001']);
      await first;
      expect(fake.queries()).toEqual([
        'au:"Mary Somerville" OR au:"M Somerville"',
        'au:"Grace Hopper" OR au:"G Hopper"',
      ]);

      // In flight: the one who gives up is answered before arXiv is; the request goes on for the other.
      const leaves = new AbortController();
      const gone = failureOf(papers.byAuthor('Ada Lovelace', { maxResults: 5, signal: leaves.signal }));
      const kept = papers.byAuthor('Emmy Noether', { maxResults: 5 });
      const sentBefore = fake.requests.length;
      while (fake.requests.length === sentBefore) await new Promise((r) => setTimeout(r, 10));
      leaves.abort();
      expect(await gone).toMatchObject({ message: 'arXiv could not be reached: the request was cancelled' });
      expect(fake.requests.at(-1)!.doneAt).toBeUndefined();
      expect((await kept).map((p) => p.id)).toEqual(['2405.00001', '2403.00001']);
    });
  });

  it("gives every caller sharing a request its failure (arXiv's 503, a refused query)", async () => {
    await withOwnArxiv(CROWD, async (fake) => {
      fake.latencyMs = 100;
      const papers = createArxivPapers({ apiUrl: fake.apiUrl, minIntervalMs: 100 });
      const first = papers.byAuthor('Mary Somerville', { maxResults: 5 });
      await new Promise((r) => setTimeout(r, 20)); // in flight: the next two wait, and share
      fake.failNext([{ status: 503, headers: { 'retry-after': '2' }, body: 'busy' }], /Hopper/);
      const [ada, grace] = await Promise.all([
        failureOf(papers.byAuthor('Ada Lovelace', { maxResults: 5 })),
        failureOf(papers.byAuthor('Grace Hopper', { maxResults: 5 })),
      ]);
      await first;
      expect(fake.requests).toHaveLength(2);
      for (const failure of [ada, grace]) {
        expect(failure).toBeInstanceOf(RetryableError);
        expect(failure).toMatchObject({ status: 503, retryAfterMs: 2000, service: 'arXiv' });
      }

      const atom = { 'content-type': 'application/atom+xml; charset=utf-8' };
      fake.failNext([{ status: 400, headers: atom, body: errorFeed('incorrect search_query') }]);
      const refused = await Promise.all([
        failureOf(papers.byAuthor('Ada Lovelace', { maxResults: 5 })),
        failureOf(papers.byAuthor('Emmy Noether', { maxResults: 5 })),
      ]);
      expect(fake.requests).toHaveLength(3);
      for (const failure of refused) {
        expect(failure).toBeInstanceOf(PermanentError);
        expect(failure).toMatchObject({ message: 'arXiv refused the search: incorrect search_query' });
      }
    });
  });
});

describe("the fake arXiv's query syntax", () => {
  it('reads au: terms joined by OR, as arXiv does, and refuses anything else', async () => {
    expect(authorTerms('au:"Ada Lovelace" OR au:"A Lovelace" OR au:del_maestro')).toEqual([
      'Ada Lovelace',
      'A Lovelace',
      'del maestro',
    ]);
    for (const bad of ['', 'all:electron', 'au:"Ada Lovelace" AND au:"A Lovelace"', 'au:"Ada" OR', 'ti:"x"'])
      expect(authorTerms(bad)).toBeUndefined();
    await withOwnArxiv(CROWD, async (fake) => {
      const ask = async (q: string) => {
        const res = await fetch(`${fake.apiUrl}?search_query=${encodeURIComponent(q)}&max_results=10`);
        return { status: res.status, ids: parseArxivFeedOrNot(await res.text()) };
      };
      expect(await ask('au:"Ada Lovelace" OR au:"Emmy Noether"')).toEqual({
        status: 200,
        ids: ['2405.00001', '2404.00001', '2403.00001'],
      });
      expect((await ask('au:"Ada Lovelace" AND au:"Emmy Noether"')).status).toBe(400);
    });
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
