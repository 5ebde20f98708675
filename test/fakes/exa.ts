/**
 * A local Exa API (`POST /search`) for exa-js: realistic result objects, some with page text and
 * some without (those the research step must read itself). Results are scripted per query.
 *
 *   fake.results(/Lovelace/, [{ url, title, text }, { url, title, text: undefined }])
 *   fake.defaults = [...]            // for queries no rule matches
 *   fake.failNext([{ status: 429, headers: { 'retry-after': '2' } }, { hang: true }])
 *   fake.queries()                   // the queries received
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

export interface FakeExa extends FakeHttp {
  apiKey: string;
  /** The queries received, in order. */
  queries(): string[];
  /** Sets the results for queries matching `match` (first match wins; the default answers the rest). */
  results(match: RegExp, results: ExaResult[]): void;
  /** Results for every query no rule matches. */
  defaults: ExaResult[];
}

/** Starts the fake on 127.0.0.1; it accepts only `apiKey` (header x-api-key). */
export async function startFakeExa(options: { apiKey?: string; defaults?: ExaResult[] } = {}): Promise<FakeExa> {
  const apiKey = options.apiKey ?? 'exa-test-key';
  const rules: { match: RegExp; results: ExaResult[] }[] = [];
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
    const body = req.json as { query: string; numResults?: number; contents?: { text?: unknown } };
    const chosen = rules.find((r) => r.match.test(body.query))?.results ?? self?.defaults ?? [];
    const wantText = body.contents?.text !== undefined && body.contents.text !== false;
    sendJson(res, 200, {
      requestId: crypto.randomBytes(8).toString('hex'),
      resolvedSearchType: 'neural',
      results: chosen.slice(0, body.numResults ?? 10).map((r, i) => ({
        id: r.url,
        url: r.url,
        title: r.title,
        publishedDate: r.publishedDate ?? '2025-03-01T00:00:00.000Z',
        author: r.author ?? null,
        score: 0.9 - i * 0.05,
        ...(wantText && r.text !== undefined ? { text: r.text } : {}),
      })),
      costDollars: { total: 0.005 },
    });
  });
  self = Object.assign(http, {
    apiKey,
    defaults: options.defaults ?? [],
    queries: () => http.requests.filter((r) => r.path === '/search').map((r) => (r.json as { query: string }).query),
    results(match: RegExp, results: ExaResult[]) {
      rules.push({ match, results });
    },
  });
  return self;
}
