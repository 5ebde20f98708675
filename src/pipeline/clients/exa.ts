/**
 * `WebSearch` on exa-js: one POST /search per query, asking Exa for each page's text (cut to the
 * length asked for) and, when asked, its query-relevant highlights; the search type is the
 * caller's (`lite` is the cheaper one). Results it could not give text for come back with `text`
 * undefined; the research step reads those pages. Exa's own price of the answer
 * (`costDollars.total`) is passed on when it sends one.
 *
 * We call exa-js's public `rawRequest` (its base URL, key and headers, the same body `search`
 * sends) rather than `search`, because `search` throws away the response headers (Retry-After on a
 * 429) and reports a dead connection and a bad answer alike; with the raw response each failure is
 * classified precisely.
 */
import type { Exa } from 'exa-js';
import { z } from 'zod';
import { ScribeError } from '../../errors.ts';
import type { WebResult, WebSearch } from '../ports.ts';
import { classifyHttpFailure, networkFailure, retryAfterFrom, withTimeout } from './errors.ts';

const SERVICE = 'Exa';

/** What we use of Exa's result objects (their other fields are ignored). */
const ResultSchema = z.object({
  url: z.string(),
  title: z.string().nullish(),
  text: z.string().nullish(),
  publishedDate: z.string().nullish(),
  author: z.string().nullish(),
  highlights: z.array(z.string()).nullish(),
});
const ResponseSchema = z.object({
  results: z.array(z.unknown()),
  costDollars: z.object({ total: z.number().nonnegative() }).nullish().catch(undefined),
});

export interface ExaSearchOptions {
  apiKey: string;
  baseUrl: string;
  /** Per search. Default 30 s. */
  timeoutMs?: number | undefined;
}

const importExa = () => import('exa-js');
let exaModule: ReturnType<typeof importExa> | undefined;
const loadExa = () => (exaModule ??= importExa());

/**
 * Imports exa-js now rather than at the first search: the import holds the event loop for about
 * 100 ms, which a process that also answers chat spends before it takes requests
 * (`PipelineClients.preload`).
 */
export async function preloadExa(): Promise<void> {
  await loadExa();
}

/** A `WebSearch` backed by Exa; failures are mapped to Scribe's error vocabulary (service "Exa"). */
export function createExaSearch(options: ExaSearchOptions): WebSearch {
  // exa-js (with the OpenAI SDK it depends on) is imported on the first search, or at the start of
  // a process that answers chat (`preloadExa`): memory an idle worker does not need to hold.
  let client: Promise<Exa> | undefined;
  const exaClient = () =>
    (client ??= loadExa().then(
      ({ Exa: ExaClient }) => new ExaClient(options.apiKey, options.baseUrl.replace(/\/+$/, '')),
    ));
  const timeoutMs = options.timeoutMs ?? 30_000;
  return {
    async search(query, { numResults, type, textChars, highlightChars, signal }) {
      // exa-js 2.23's types do not list `lite` yet; the body goes out as it is (`rawRequest`).
      const body = {
        query,
        numResults,
        ...(type ? { type } : {}),
        contents: {
          text: { maxCharacters: textChars },
          ...(highlightChars ? { highlights: { maxCharacters: highlightChars } } : {}),
        },
      };
      // exa-js takes no AbortSignal: the deadline (and the caller's signal) race the request.
      const json = await withTimeout(
        SERVICE,
        timeoutMs,
        async () => {
          let res: Response;
          try {
            res = await (await exaClient()).rawRequest('/search', 'POST', body);
          } catch (err) {
            throw networkFailure(SERVICE, err);
          }
          const text = await res.text().catch(() => '');
          if (!res.ok) {
            throw classifyHttpFailure({
              service: SERVICE,
              status: res.status,
              detail: errorMessageOf(text),
              retryAfterMs: retryAfterFrom(res.headers),
              credentialVar: 'EXA_API_KEY',
            });
          }
          try {
            return JSON.parse(text) as unknown;
          } catch (err) {
            throw classifyHttpFailure({
              service: SERVICE,
              status: undefined,
              detail: 'the answer was not valid JSON',
              cause: err,
            });
          }
        },
        signal,
      ).catch((err: unknown) => {
        if (err instanceof ScribeError) throw err;
        throw networkFailure(SERVICE, err);
      });
      const parsed = ResponseSchema.safeParse(json);
      if (!parsed.success) {
        throw classifyHttpFailure({ service: SERVICE, status: undefined, detail: 'the answer had no results list' });
      }
      const results: WebResult[] = [];
      for (const item of parsed.data.results) {
        const r = ResultSchema.safeParse(item);
        if (!r.success || !URL.canParse(r.data.url)) continue;
        results.push({
          url: r.data.url,
          title: r.data.title?.trim() || r.data.url,
          text: r.data.text?.trim() || undefined,
          publishedDate: r.data.publishedDate ?? undefined,
          author: r.data.author?.trim() || undefined,
          ...(r.data.highlights?.length ? { highlights: r.data.highlights } : {}),
        });
      }
      return { results, costUsd: parsed.data.costDollars?.total };
    },
  };
}

/**
 * The explanation in an Exa error body, read as exa-js reads it: `{error: "Bad Request", message:
 * "Invalid query"}` → "Bad Request. Invalid query" (the reason is often in `message` alone);
 * `{requestId, error: "…", tag}` → the error; the agent-style envelope `{error: {code, message,
 * detail}}` → its message and detail. Else the start of the text.
 */
function errorMessageOf(text: string): string | undefined {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return text.trim().slice(0, 120) || undefined; // not JSON: a proxy's page, say
  }
  if (!body || typeof body !== 'object') return text.trim().slice(0, 120) || undefined;
  const { error, message } = body as { error?: unknown; message?: unknown };
  const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
  if (error && typeof error === 'object') {
    const envelope = error as { message?: unknown; code?: unknown; detail?: unknown };
    const said = str(envelope.message) ?? str(message) ?? str(envelope.code);
    const detail = str(envelope.detail);
    return said && detail && detail !== said ? `${said}: ${detail}` : (said ?? detail);
  }
  const [first, second] = [str(error), str(message)];
  if (first && second) return `${first}${/[.!?:]$/.test(first) ? '' : '.'} ${second}`;
  return first ?? second;
}
