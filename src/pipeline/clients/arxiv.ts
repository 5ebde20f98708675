/**
 * `PaperSearch` on the arXiv API (Atom XML). arXiv asks API clients for one request at a time and
 * a pause of 3 s between them, so all instances in this process share one serial lane per API
 * origin, and a request starts only `minIntervalMs` after the previous one finished.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';
import { ErrorCode, PermanentError, ScribeError } from '../../errors.ts';
import type { PaperSearch } from '../ports.ts';
import type { Paper } from '../types.ts';
import { classifyHttpFailure, networkFailure, retryAfterFrom, withTimeout } from './errors.ts';

const SERVICE = 'arXiv';

// fast-xml-parser's defaults are wrong for arXiv: "2401.10000" would become the number 2401.1, a
// single entry, author or category would not be an array, and link hrefs (attributes) would be lost.
// arXiv's manual shows every element declaring its namespace (`<id xmlns="…Atom">`), and a feed
// may use a prefix (`<atom:entry>`): namespace declarations are dropped and prefixes removed, so
// all forms read alike (no arXiv extension element shares a name with an Atom one).
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  removeNSPrefix: true,
  isArray: (name) => ['entry', 'author', 'category', 'link'].includes(name),
});

const scalar = z.union([z.string(), z.number()]).transform(String);
// An element with attributes (`<title type="text">…`) comes as `{ '#text': …, '@_type': … }`.
const text = z.union([scalar, z.object({ '#text': scalar.default('') }).transform((o) => o['#text'])]);
const EntrySchema = z.object({
  id: text,
  title: text,
  summary: text.optional(),
  published: text,
  author: z.array(z.object({ name: text })).default([]),
  category: z.array(z.object({ '@_term': z.string() })).default([]),
  link: z.array(z.object({ '@_href': z.string(), '@_rel': z.string().optional() })).default([]),
});
const ErrorEntrySchema = z.object({ id: text, title: text.optional(), summary: text.optional() });
const FeedSchema = z.object({ feed: z.object({ entry: z.array(z.unknown()).default([]) }) });

export interface ArxivPapersOptions {
  /** The query endpoint, e.g. https://export.arxiv.org/api/query (ARXIV_API_URL). */
  apiUrl: string;
  /**
   * Where author feeds live: `<authorUrl><id>.atom2` (ARXIV_AUTHOR_URL, https://arxiv.org/a/).
   * Default: `/a/` on the API's origin (a mirror or a fake serves both).
   */
  authorUrl?: string | undefined;
  /** Pause between the end of one request and the start of the next (arXiv asks for 3 s). */
  minIntervalMs?: number | undefined;
  /** Per request. Default 30 s. */
  timeoutMs?: number | undefined;
  fetch?: typeof globalThis.fetch | undefined;
}

const TITLES = new Set([
  'dr',
  'prof',
  'professor',
  'mr',
  'mrs',
  'ms',
  'mx',
  'sir',
  'dame',
  'phd',
  'jr',
  'sr',
  'ii',
  'iii',
]);

/** Lower-case letters only, accents and titles removed: "Prof. Adá  Lovelace-King" → ["ada", "lovelace", "king"]. */
export function nameParts(name: string): string[] {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .split(/[^\p{L}]+/u)
    .filter((p) => p !== '' && !TITLES.has(p));
}

/** True when `author` can be `wanted`: same surname, and first names equal or initials that fit. */
export function sameAuthor(author: string, wanted: string): boolean {
  const a = nameParts(author);
  const w = nameParts(wanted);
  if (a.length === 0 || w.length === 0 || a.at(-1) !== w.at(-1)) return false;
  if (a.length === 1 || w.length === 1) return true;
  const firstA = a[0]!;
  const firstW = w[0]!;
  return (
    firstA === firstW ||
    (firstA.length === 1 && firstW.startsWith(firstA)) ||
    (firstW.length === 1 && firstA.startsWith(firstW))
  );
}

/**
 * arXiv's `search_query` for an author: the name as a phrase in the author field, plus "First
 * Last" without middle names and "F Last" (arXiv lists many authors by initial), joined with OR.
 * Undefined when the name has no letters.
 */
export function authorQuery(name: string): string | undefined {
  const words = name
    .normalize('NFC')
    .split(/[^\p{L}\p{M}'-]+/u)
    .filter((w) => w !== '' && !TITLES.has(w.toLowerCase()));
  if (words.length === 0) return undefined;
  const first = words[0]!;
  const last = words.at(-1)!;
  const variants = [words.join(' ')];
  if (words.length > 2) variants.push(`${first} ${last}`);
  if (words.length > 1 && first.length > 1) variants.push(`${first[0]} ${last}`);
  return [...new Set(variants)].map((v) => `au:"${v}"`).join(' OR ');
}

/** The feed's entries, or undefined when `xml` is not an Atom feed. */
function entriesOf(xml: string): unknown[] | undefined {
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch {
    return undefined;
  }
  const feed = FeedSchema.safeParse(doc);
  return feed.success ? feed.data.feed.entry : undefined;
}

/**
 * arXiv's own explanation when `xml` is its answer to a query it cannot run: a feed whose entry has
 * an id under http://arxiv.org/api/errors (e.g. `…/api/errors#incorrect_id_format_for_1234.12345`)
 * and the explanation in its summary. arXiv sends it with 400 or 200; it is read at any status.
 * Undefined for anything else.
 */
export function arxivErrorOf(xml: string, status?: number): PermanentError | undefined {
  for (const raw of entriesOf(xml) ?? []) {
    const error = ErrorEntrySchema.safeParse(raw);
    if (error.success && /\/api\/errors(#|$)/.test(error.data.id)) {
      const because = oneLine(error.data.summary ?? '') || oneLine(error.data.title ?? '') || error.data.id;
      return new PermanentError(ErrorCode.ServiceRejected, `arXiv refused the search: ${because}`, {
        service: SERVICE,
        ...(status === undefined ? {} : { status }),
      });
    }
  }
  return undefined;
}

/** Parses an arXiv Atom feed into papers (id without version, one-line title and abstract). */
export function parseArxivFeed(xml: string): Paper[] {
  const entries = entriesOf(xml);
  if (!entries)
    throw classifyHttpFailure({ service: SERVICE, status: undefined, detail: 'the answer was not an Atom feed' });
  const refused = arxivErrorOf(xml);
  if (refused) throw refused;
  const papers: Paper[] = [];
  for (const raw of entries) {
    const entry = EntrySchema.safeParse(raw);
    if (!entry.success) continue;
    const e = entry.data;
    const id = /abs\/(.+?)(?:v\d+)?$/.exec(e.id)?.[1] ?? e.id;
    const year = Number(e.published.slice(0, 4));
    if (!Number.isInteger(year)) continue;
    const alternate = e.link.find((l) => l['@_rel'] === 'alternate')?.['@_href'];
    papers.push({
      id,
      title: oneLine(e.title),
      authors: e.author.map((a) => oneLine(a.name)),
      year,
      abstract: oneLine(e.summary ?? ''),
      url: alternate ?? `https://arxiv.org/abs/${id}`,
      categories: e.category.map((c) => c['@_term']),
    });
  }
  return papers;
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

interface Lane {
  tail: Promise<unknown>;
  lastDoneAt: number;
}
const lanes = new Map<string, Lane>();

/**
 * Runs `task` after every earlier task for the same origin has finished, and `intervalMs` after the
 * last one. A caller that gives up while waiting is answered at once; its task then never runs.
 */
function inLane<T>(
  origin: string,
  intervalMs: number,
  signal: AbortSignal | undefined,
  task: () => Promise<T>,
): Promise<T> {
  let lane = lanes.get(origin);
  if (!lane) {
    lane = { tail: Promise.resolve(), lastDoneAt: 0 };
    lanes.set(origin, lane);
  }
  const current = lane;
  const run = current.tail.then(async () => {
    const wait = current.lastDoneAt + intervalMs - Date.now();
    if (wait > 0) await delay(wait, undefined, { signal });
    signal?.throwIfAborted();
    try {
      return await task();
    } finally {
      current.lastDoneAt = Date.now();
    }
  });
  current.tail = run.catch(() => undefined);
  if (!signal) return run;
  return Promise.race([
    run,
    new Promise<never>((_, reject) => {
      const cancelled = () =>
        reject(classifyHttpFailure({ service: SERVICE, status: undefined, detail: 'the request was cancelled' }));
      if (signal.aborted) cancelled();
      signal.addEventListener('abort', cancelled, { once: true });
      void run.finally(() => signal.removeEventListener('abort', cancelled)).catch(() => undefined);
    }),
  ]);
}

/** A `PaperSearch` on the arXiv API; results keep only papers whose authors really match the name. */
export function createArxivPapers(options: ArxivPapersOptions): PaperSearch {
  const interval = options.minIntervalMs ?? 3_000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const origin = new URL(options.apiUrl).origin;
  const authorUrl = options.authorUrl ?? `${origin}/a/`;

  async function get(url: URL, signal: AbortSignal | undefined, notFound?: () => ScribeError): Promise<string> {
    return withTimeout(
      SERVICE,
      timeoutMs,
      async (timeoutSignal) => {
        let res: Response;
        try {
          res = await fetchImpl(url, {
            signal: timeoutSignal,
            headers: { 'user-agent': 'scribe/0.1 (academic outreach drafts)' },
          });
        } catch (err) {
          if (err instanceof ScribeError) throw err;
          throw networkFailure(SERVICE, err);
        }
        const body = await res.text();
        if (res.status === 404 && notFound) throw notFound();
        if (!res.ok) {
          // arXiv's explanation of a query it cannot run, whatever the status; else the status decides.
          throw (
            arxivErrorOf(body, res.status) ??
            classifyHttpFailure({ service: SERVICE, status: res.status, retryAfterMs: retryAfterFrom(res.headers) })
          );
        }
        return body;
      },
      signal,
    );
  }

  return {
    async byAuthor(authorName, { maxResults, signal }) {
      const query = authorQuery(authorName);
      if (!query || maxResults <= 0) return [];
      const url = new URL(options.apiUrl);
      url.searchParams.set('search_query', query);
      url.searchParams.set('sortBy', 'submittedDate');
      url.searchParams.set('sortOrder', 'descending');
      url.searchParams.set('start', '0');
      // Room for the namesakes the author filter drops.
      url.searchParams.set('max_results', String(Math.min(100, maxResults * 2)));
      const xml = await inLane(origin, interval, signal, () => get(url, signal));
      return parseArxivFeed(xml)
        .filter((p) => p.authors.some((a) => sameAuthor(a, authorName)))
        .slice(0, maxResults);
    },

    async byAuthorId(authorId, { signal } = {}) {
      const url = new URL(`${encodeURIComponent(authorId)}.atom2`, authorUrl);
      const xml = await inLane(new URL(authorUrl).origin, interval, signal, () =>
        get(url, signal, () => unknownAuthor(authorId)),
      );
      return parseArxivFeed(xml);
    },
  };
}

/** arXiv answers 404 for an author id it does not know: said before anything is written. */
export function unknownAuthor(authorId: string): PermanentError {
  return new PermanentError(
    ErrorCode.InvalidInput,
    `arXiv has no author ${authorId}: check the id (the end of their arXiv author page's address, arxiv.org/a/…), or leave it out and Scribe will find the person by name.`,
    { service: SERVICE, status: 404 },
  );
}
