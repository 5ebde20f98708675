/**
 * `WebSearch` on exa-js: one POST /search per query, asking Exa for each page's text. Results it
 * could not give text for come back with `text` undefined; the research step reads those pages.
 */
import { Exa } from 'exa-js';
import { z } from 'zod';
import { ScribeError } from '../../errors.ts';
import type { WebResult, WebSearch } from '../ports.ts';
import { classifyHttpFailure, withTimeout } from './errors.ts';

const SERVICE = 'Exa';

/** What we use of Exa's result objects (their other fields are ignored). */
const ResultSchema = z.object({
  url: z.string(),
  title: z.string().nullish(),
  text: z.string().nullish(),
  publishedDate: z.string().nullish(),
  author: z.string().nullish(),
});
const ResponseSchema = z.object({ results: z.array(z.unknown()) });

export interface ExaSearchOptions {
  apiKey: string;
  baseUrl: string;
  timeoutMs?: number;
  /** Page text asked for per result. */
  maxCharacters?: number;
}

export function createExaSearch(options: ExaSearchOptions): WebSearch {
  const exa = new Exa(options.apiKey, options.baseUrl);
  const timeoutMs = options.timeoutMs ?? 30_000;
  return {
    async search(query, { numResults, signal }) {
      let response: unknown;
      try {
        // exa-js takes no AbortSignal: the deadline races the request.
        response = await withTimeout(SERVICE, timeoutMs, () =>
          exa.search(query, { numResults, contents: { text: { maxCharacters: options.maxCharacters ?? 20_000 } } }),
          signal,
        );
      } catch (err) {
        throw toScribeError(err);
      }
      const parsed = ResponseSchema.safeParse(response);
      if (!parsed.success) {
        throw classifyHttpFailure({ service: SERVICE, status: 502, detail: 'the answer had no results list' });
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
          author: r.data.author ?? undefined,
        });
      }
      return results;
    },
  };
}

function toScribeError(err: unknown): ScribeError {
  if (err instanceof ScribeError) return err;
  // exa-js throws ExaError with `statusCode`; fetch failures are TypeErrors with no status.
  const status =
    err && typeof err === 'object' && 'statusCode' in err && typeof err.statusCode === 'number' ? err.statusCode : undefined;
  return classifyHttpFailure({
    service: SERVICE,
    status,
    detail: err instanceof Error ? err.message : String(err),
    credentialVar: 'EXA_API_KEY',
    cause: err,
  });
}
