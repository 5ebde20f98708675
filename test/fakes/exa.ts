/**
 * A local Exa API (`POST /search`) for exa-js: realistic result objects, some with page text and
 * some without (those the research step must read itself). Results are scripted per query.
 * Like Exa, it cuts each text to the `maxCharacters` asked for, returns query-relevant
 * `highlights` when asked (the sentences of the whole text that share most words with the query,
 * in page order, up to their `maxCharacters`), and prices each answer in `costDollars` by Exa's
 * rate card (`EXA_RATES`).
 *
 *   fake.results(/Lovelace/, [{ url, title, text }, { url, title, text: undefined }])
 *   fake.defaults = [...]            // for queries no rule matches
 *   fake.failNext([{ status: 429, headers: { 'retry-after': '2' } }, { hang: true }])
 *   fake.queries()                   // the queries received
 *   fake.answered()                  // each answer's query, type and costDollars.total
 */
import crypto from 'node:crypto';
import { sendJson, startFakeHttp, type FakeHttp } from './http.ts';

export interface ExaResult {
  url: string;
  title: string;
  text?: string | undefined;
  publishedDate?: string;
  author?: string;
}

/**
 * Exa's prices per request (exa.ai/docs/changelog/pricing-update, March 2026; `lite` from
 * exa.ai/changelog): up to 10 results with text and highlights included, $0.001 per result more.
 * The fake's own copy, as the service's: a test checks that `prices.ts` agrees.
 */
export const EXA_RATES = { auto: 0.007, lite: 0.004, perResultOver10: 0.001 } as const;

/** Exa's default highlight length when none is asked for (an assumption: Exa sizes them itself). */
const DEFAULT_HIGHLIGHT_CHARS = 1_000;

export interface FakeExa extends FakeHttp {
  apiKey: string;
  /** The queries received, in order. */
  queries(): string[];
  /** Every answer sent: its query, search type and the `costDollars.total` it carried. */
  answered(): { query: string; type: string; costUsd: number }[];
  /** Sets the results for queries matching `match` (first match wins; the same pattern again replaces its rule; the default answers the rest). */
  results(match: RegExp, results: ExaResult[]): void;
  /** Results for every query no rule matches. */
  defaults: ExaResult[];
}

interface SearchBody {
  query: string;
  type?: string;
  numResults?: number;
  contents?: {
    text?: boolean | { maxCharacters?: number };
    highlights?: boolean | { maxCharacters?: number; query?: string };
  };
}

/** Starts the fake on 127.0.0.1; it accepts only `apiKey` (header x-api-key). */
export async function startFakeExa(options: { apiKey?: string; defaults?: ExaResult[] } = {}): Promise<FakeExa> {
  const apiKey = options.apiKey ?? 'exa-test-key';
  const rules: { match: RegExp; results: ExaResult[] }[] = [];
  const answered: { query: string; type: string; costUsd: number }[] = [];
  let self: FakeExa | undefined;
  const http = await startFakeHttp((req, res) => {
    if (req.headers['x-api-key'] !== apiKey) {
      sendJson(res, 401, { requestId: 'req', error: 'Invalid API key', statusCode: 401 });
      return;
    }
    if (req.method !== 'POST' || req.path !== '/search') {
      sendJson(res, 404, { error: 'Not found' });
      return;
    }
    const body = req.json as SearchBody;
    const chosen = (rules.find((r) => r.match.test(body.query))?.results ?? self?.defaults ?? []).slice(
      0,
      body.numResults ?? 10,
    );
    const text = body.contents?.text;
    const textChars =
      text === undefined || text === false ? 0 : text === true ? Infinity : (text.maxCharacters ?? Infinity);
    const highlights = body.contents?.highlights;
    const highlightChars =
      highlights === undefined || highlights === false
        ? 0
        : highlights === true
          ? DEFAULT_HIGHLIGHT_CHARS
          : (highlights.maxCharacters ?? DEFAULT_HIGHLIGHT_CHARS);
    const highlightQuery = (typeof highlights === 'object' ? highlights.query : undefined) ?? body.query;
    const type = body.type ?? 'auto';
    const costUsd =
      (type === 'lite' ? EXA_RATES.lite : EXA_RATES.auto) + Math.max(0, chosen.length - 10) * EXA_RATES.perResultOver10;
    answered.push({ query: body.query, type, costUsd });
    sendJson(res, 200, {
      requestId: crypto.randomBytes(8).toString('hex'),
      resolvedSearchType: type === 'lite' ? 'lite' : 'neural',
      results: chosen.map((r, i) => ({
        id: r.url,
        url: r.url,
        title: r.title,
        publishedDate: r.publishedDate ?? '2025-03-01T00:00:00.000Z',
        author: r.author ?? null,
        score: 0.9 - i * 0.05,
        ...(textChars > 0 && r.text !== undefined ? { text: r.text.slice(0, textChars) } : {}),
        ...(highlightChars > 0 && r.text !== undefined
          ? { highlights: highlightsOf(r.text, highlightQuery, highlightChars) }
          : {}),
      })),
      costDollars: { total: costUsd, search: { [type === 'lite' ? 'lite' : 'neural']: costUsd } },
    });
  });
  self = Object.assign(http, {
    apiKey,
    defaults: options.defaults ?? [],
    queries: () => http.requests.filter((r) => r.path === '/search').map((r) => (r.json as { query: string }).query),
    answered: () => [...answered],
    results(match: RegExp, results: ExaResult[]) {
      // The same pattern again replaces its rule (a test putting the answers back); a new one is added.
      const same = rules.findIndex((r) => String(r.match) === String(match));
      if (same >= 0) rules[same] = { match, results };
      else rules.push({ match, results });
    },
  });
  return self;
}

const words = (text: string) => new Set(text.toLowerCase().match(/[\p{L}\p{N}]{3,}/gu) ?? []);

/** The sentences sharing most words with the query, best first until `maxChars`, then in page order. */
export function highlightsOf(text: string, query: string, maxChars: number): string[] {
  const wanted = words(query);
  const sentences = text.match(/[^.!?]+[.!?]+(\s|$)|[^.!?]+$/g) ?? [];
  const scored = sentences
    .map((sentence, i) => ({
      sentence: sentence.trim(),
      i,
      score: [...words(sentence)].filter((w) => wanted.has(w)).length,
    }))
    .filter((s) => s.score > 0 && s.sentence.length > 0)
    .sort((a, b) => b.score - a.score || a.i - b.i);
  const kept: typeof scored = [];
  let used = 0;
  for (const s of scored) {
    if (used + s.sentence.length > maxChars) continue;
    kept.push(s);
    used += s.sentence.length + 1;
  }
  return kept.sort((a, b) => a.i - b.i).map((s) => s.sentence);
}
