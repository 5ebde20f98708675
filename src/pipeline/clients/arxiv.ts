/**
 * `PaperSearch` on the arXiv API (Atom XML). arXiv's terms of use ask for no more than one request
 * every three seconds and a single connection at a time, so all instances in this process share
 * one lane per origin: a request starts `minIntervalMs` after the previous one STARTED, and never
 * before it has finished. Searches by name waiting in the lane when their turn comes share one
 * request (`au:"A" OR au:"B" …`), each caller keeping only its own author's papers.
 */
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
  /**
   * Least time from the start of one request to the start of the next (arXiv asks for 3 s); a
   * request never starts before the previous one has finished.
   */
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
  return readFeed(xml).papers;
}

/** The feed's papers, and how many entries it had (a full feed has max_results of them, papers or not). */
function readFeed(xml: string): { papers: Paper[]; entries: number } {
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
  return { papers, entries: entries.length };
}

const oneLine = (s: string) => s.replace(/\s+/g, ' ').trim();

/**
 * arXiv's API answers at most 2,000 entries a request (its user manual: "slices of at most 2000",
 * 30,000 in all); a shared search never asks for more.
 */
export const ARXIV_MAX_RESULTS = 2_000;
/** At most this many names share one request, so that its query stays short. */
export const SHARED_NAMES = 10;
/** One caller's search never asks for more than this (its share of a shared request included). */
const CALLER_MAX_RESULTS = 100;

/** One request waiting in a lane, or in flight: a caller to answer once. */
interface Ticket {
  /** arXiv's pause, start to start, before the request this ticket starts (the instance's `minIntervalMs`). */
  intervalMs: number;
  signal: AbortSignal | undefined;
  settled: boolean;
  resolve(value: unknown): void;
  reject(err: unknown): void;
  /** Stops listening to `signal` (once answered). */
  detach?: (() => void) | undefined;
}

/** A request that runs on its own (an author feed). */
interface TaskTicket extends Ticket {
  kind: 'task';
  task(): Promise<unknown>;
}

/** A search by name, which may share its request with the other searches waiting. */
interface SearchTicket extends Ticket {
  kind: 'search';
  apiUrl: string;
  name: string;
  /** Its `authorQuery`; callers with the same one share a term and a slice of `max_results`. */
  query: string;
  /** What it asks of arXiv alone: room for the namesakes the author filter drops. */
  want: number;
  maxResults: number;
  /** A re-ask after a full shared feed: never shared again. */
  alone: boolean;
  /** The instance's GET (its fetch and timeout), used when this ticket leads the request. */
  get(url: URL, signal: AbortSignal): Promise<string>;
}

type AnyTicket = TaskTicket | SearchTicket;

interface Lane {
  queue: AnyTicket[];
  /** A request is in flight: one connection at a time. */
  busy: boolean;
  lastStartAt: number;
  timer: NodeJS.Timeout | undefined;
}
const lanes = new Map<string, Lane>();

const cancelled = () =>
  classifyHttpFailure({ service: SERVICE, status: undefined, detail: 'the request was cancelled' });

function laneOf(origin: string): Lane {
  let lane = lanes.get(origin);
  if (!lane) {
    lane = { queue: [], busy: false, lastStartAt: Number.NEGATIVE_INFINITY, timer: undefined };
    lanes.set(origin, lane);
  }
  return lane;
}

/**
 * Queues `ticket` in its origin's lane. A caller that gives up is answered at once with the
 * cancelled error: while waiting it leaves the queue (its request never runs); once its request
 * is in flight, that request goes on for whoever shares it.
 */
function enqueue(lane: Lane, ticket: AnyTicket): void {
  const { signal } = ticket;
  if (signal?.aborted) {
    settle(ticket, () => ticket.reject(cancelled()));
    return;
  }
  if (signal) {
    const onAbort = () => {
      settle(ticket, () => ticket.reject(cancelled()));
      const at = lane.queue.indexOf(ticket);
      if (at >= 0) lane.queue.splice(at, 1);
      if (lane.queue.length === 0 && lane.timer) {
        clearTimeout(lane.timer);
        lane.timer = undefined;
      }
    };
    signal.addEventListener('abort', onAbort, { once: true });
    ticket.detach = () => signal.removeEventListener('abort', onAbort);
  }
  lane.queue.push(ticket);
  // Callers that ask in the same tick (Promise.all) are all waiting when the first one's turn comes.
  queueMicrotask(() => pump(lane));
}

/** Answers the caller once (a caller who gave up was answered then), and stops listening to its signal. */
function settle(ticket: Ticket, answer: () => void): void {
  if (ticket.settled) return;
  ticket.settled = true;
  ticket.detach?.();
  answer();
}

/**
 * Starts the next request when the lane allows it: no request in flight (one connection at a
 * time), and `intervalMs` since the previous one STARTED (arXiv's one request every 3 s, start to
 * start: after a slow answer the next one goes at once).
 */
function pump(lane: Lane): void {
  if (lane.busy || lane.timer || lane.queue.length === 0) return;
  const wait = lane.lastStartAt + lane.queue[0]!.intervalMs - Date.now();
  if (wait > 0) {
    lane.timer = setTimeout(() => {
      lane.timer = undefined;
      pump(lane);
    }, wait);
    return;
  }
  const batch = take(lane);
  lane.busy = true;
  lane.lastStartAt = Date.now();
  void send(lane, batch).finally(() => {
    lane.busy = false;
    pump(lane);
  });
}

/** The head of the queue, and with a search every other search for the same API waiting (≤ SHARED_NAMES names). */
function take(lane: Lane): AnyTicket[] {
  const head = lane.queue.shift()!;
  if (head.kind !== 'search' || head.alone) return [head];
  const batch: SearchTicket[] = [head];
  const names = new Set([head.query]);
  for (let i = 0; i < lane.queue.length; ) {
    const t = lane.queue[i]!;
    if (
      t.kind === 'search' &&
      !t.alone &&
      t.apiUrl === head.apiUrl &&
      (names.has(t.query) || names.size < SHARED_NAMES)
    ) {
      names.add(t.query);
      batch.push(t);
      lane.queue.splice(i, 1);
    } else i++;
  }
  return batch;
}

async function send(lane: Lane, batch: AnyTicket[]): Promise<void> {
  const head = batch[0]!;
  if (head.kind === 'task') {
    try {
      const value = await head.task();
      settle(head, () => head.resolve(value));
    } catch (err) {
      settle(head, () => head.reject(err));
    }
    return;
  }
  const searches = batch as SearchTicket[];
  // One term list and one share of max_results per name (callers asking the same name share them).
  const wants = new Map<string, number>();
  for (const s of searches) wants.set(s.query, Math.max(wants.get(s.query) ?? 0, s.want));
  const terms = [...new Set([...wants.keys()].flatMap((q) => q.split(' OR ')))];
  const maxResults = Math.min(
    ARXIV_MAX_RESULTS,
    [...wants.values()].reduce((a, b) => a + b, 0),
  );
  const url = new URL(head.apiUrl);
  url.searchParams.set('search_query', terms.join(' OR '));
  url.searchParams.set('sortBy', 'submittedDate');
  url.searchParams.set('sortOrder', 'descending');
  url.searchParams.set('start', '0');
  url.searchParams.set('max_results', String(maxResults));
  // The request is dropped only when every caller sharing it has given up.
  const controller = new AbortController();
  const giveUp = () => {
    if (searches.every((s) => s.settled)) controller.abort();
  };
  for (const s of searches) s.signal?.addEventListener('abort', giveUp, { once: true });
  let feed: { papers: Paper[]; entries: number };
  try {
    feed = readFeed(await head.get(url, controller.signal));
  } catch (err) {
    for (const s of searches) settle(s, () => s.reject(err));
    return;
  } finally {
    for (const s of searches) s.signal?.removeEventListener('abort', giveUp);
  }
  // A full feed was cut at max_results: a caller with fewer papers than it wants may have more
  // below the cut, and is asked for alone (its own max_results). A feed for one name is as the
  // caller alone would have had it.
  const full = wants.size > 1 && feed.entries >= maxResults;
  for (const s of searches) {
    if (s.settled) continue;
    const own = feed.papers.filter((p) => p.authors.some((a) => sameAuthor(a, s.name)));
    if (full && own.length < s.maxResults) {
      s.alone = true;
      lane.queue.push(s);
    } else settle(s, () => s.resolve(own.slice(0, s.maxResults)));
  }
}

/** Runs `task` in the lane, alone: after every request queued before it, paced as they are. */
function inLane<T>(origin: string, intervalMs: number, signal: AbortSignal | undefined, task: () => Promise<T>) {
  return new Promise<T>((resolve, reject) => {
    enqueue(laneOf(origin), {
      kind: 'task',
      intervalMs,
      signal,
      settled: false,
      resolve: resolve as (value: unknown) => void,
      reject,
      task,
    });
  });
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
    byAuthor(authorName, { maxResults, signal }) {
      const query = authorQuery(authorName);
      if (!query || maxResults <= 0) return Promise.resolve([]);
      return new Promise<Paper[]>((resolve, reject) => {
        enqueue(laneOf(origin), {
          kind: 'search',
          intervalMs: interval,
          signal,
          settled: false,
          resolve: resolve as (value: unknown) => void,
          reject,
          apiUrl: options.apiUrl,
          name: authorName,
          query,
          // Room for the namesakes the author filter drops.
          want: Math.min(CALLER_MAX_RESULTS, maxResults * 2),
          maxResults,
          alone: false,
          get,
        });
      });
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
