/**
 * `PaperSearch` on the arXiv API (Atom XML). arXiv asks clients to make one request at a time
 * with a pause between them (3 s), so every instance shares one serial queue.
 */
import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';
import { ScribeError } from '../../errors.ts';
import type { PaperSearch } from '../ports.ts';
import type { Paper } from '../types.ts';
import { classifyHttpFailure, parseRetryAfter, withTimeout } from './errors.ts';

const SERVICE = 'arXiv';

// fast-xml-parser's defaults are wrong for arXiv: "2401.00010" would become a number, a single
// entry or author would not be an array, and link hrefs (attributes) would be dropped.
const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => ['entry', 'author', 'category', 'link'].includes(name),
});

const text = z.union([z.string(), z.number()]).transform(String);
const EntrySchema = z.object({
  id: text,
  title: text,
  summary: text.optional(),
  published: text,
  author: z.array(z.object({ name: text })).default([]),
  category: z.array(z.object({ '@_term': z.string() })).default([]),
  link: z.array(z.object({ '@_href': z.string(), '@_rel': z.string().optional(), '@_type': z.string().optional() })).default([]),
});
const FeedSchema = z.object({ feed: z.object({ entry: z.array(z.unknown()).default([]) }) });

export interface ArxivPapersOptions {
  apiUrl: string;
  /** Pause between requests (arXiv asks for 3 s). */
  minIntervalMs?: number;
  timeoutMs?: number;
}

/** Lower-case letters only, accents removed: "Ada  Lovelace-King" → "ada lovelace king". */
export function normaliseName(name: string): string {
  return name.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/[^a-z]+/g, ' ').trim();
}

/** True when `author` can be `wanted`: same surname, and first names equal or initials that fit. */
export function sameAuthor(author: string, wanted: string): boolean {
  const a = normaliseName(author).split(' ').filter(Boolean);
  const w = normaliseName(wanted).split(' ').filter((p) => p && !['dr', 'prof', 'professor'].includes(p));
  if (a.length === 0 || w.length === 0 || a.at(-1) !== w.at(-1)) return false;
  const firstA = a[0]!;
  const firstW = w[0]!;
  if (a.length === 1 || w.length === 1) return true;
  return firstA === firstW || (firstA.length === 1 && firstW.startsWith(firstA)) || (firstW.length === 1 && firstA.startsWith(firstW));
}

/** Parses an arXiv Atom feed into papers (id without version, one-line title and abstract). */
export function parseArxivFeed(xml: string): Paper[] {
  const feed = FeedSchema.safeParse(parser.parse(xml));
  if (!feed.success) throw classifyHttpFailure({ service: SERVICE, status: 502, detail: 'the answer was not an Atom feed' });
  const papers: Paper[] = [];
  for (const raw of feed.data.feed.entry) {
    const entry = EntrySchema.safeParse(raw);
    if (!entry.success) continue;
    const e = entry.data;
    const id = /abs\/(.+?)(v\d+)?$/.exec(e.id)?.[1] ?? e.id;
    const abs = e.link.find((l) => l['@_rel'] === 'alternate')?.['@_href'] ?? `https://arxiv.org/abs/${id}`;
    papers.push({
      id,
      title: e.title.replace(/\s+/g, ' ').trim(),
      authors: e.author.map((a) => a.name.replace(/\s+/g, ' ').trim()),
      year: Number(e.published.slice(0, 4)),
      abstract: (e.summary ?? '').replace(/\s+/g, ' ').trim(),
      url: abs,
      categories: e.category.map((c) => c['@_term']),
    });
  }
  return papers;
}

let queue: Promise<unknown> = Promise.resolve();
let lastRequestAt = 0;

/** Runs `fn` after every earlier arXiv request, and at least `intervalMs` after the last one began. */
function politely<T>(intervalMs: number, fn: () => Promise<T>): Promise<T> {
  const run = queue.then(async () => {
    const wait = lastRequestAt + intervalMs - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    lastRequestAt = Date.now();
    return fn();
  });
  queue = run.catch(() => undefined);
  return run;
}

export function createArxivPapers(options: ArxivPapersOptions): PaperSearch {
  const interval = options.minIntervalMs ?? 3_000;
  const timeoutMs = options.timeoutMs ?? 30_000;
  return {
    async byAuthor(authorName, { maxResults, signal }) {
      const name = normaliseName(authorName)
        .split(' ')
        .filter((p) => !['dr', 'prof', 'professor'].includes(p))
        .join(' ');
      const url = new URL(options.apiUrl);
      url.searchParams.set('search_query', `au:"${name}"`);
      url.searchParams.set('sortBy', 'submittedDate');
      url.searchParams.set('sortOrder', 'descending');
      url.searchParams.set('start', '0');
      url.searchParams.set('max_results', String(maxResults));
      const xml = await politely(interval, () =>
        withTimeout(SERVICE, timeoutMs, async (timeoutSignal) => {
          let res: Response;
          try {
            res = await fetch(url, { signal: timeoutSignal, headers: { 'user-agent': 'scribe (academic outreach)' } });
          } catch (err) {
            if (err instanceof ScribeError) throw err;
            throw classifyHttpFailure({ service: SERVICE, status: undefined, detail: (err as Error).message, cause: err });
          }
          if (!res.ok) {
            throw classifyHttpFailure({ service: SERVICE, status: res.status, retryAfterMs: parseRetryAfter(res.headers.get('retry-after')) });
          }
          return res.text();
        }, signal),
      );
      return parseArxivFeed(xml).filter((p) => p.authors.some((a) => sameAuthor(a, authorName)));
    },
  };
}
