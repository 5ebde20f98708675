/**
 * In-memory doubles of the pipeline's ports for unit tests: each is scripted by the test (what to
 * answer to the n-th call), can add latency, and records every call with performance.now()
 * timestamps so tests assert ordering and overlap rather than guess wall-clock times. Latency is a
 * setTimeout and the timestamps read the global `performance`, so under vitest's fake timers
 * both run on the virtual clock and a test can assert exact times.
 *
 * These are not the wire-level fakes (test/fakes/): those check the real clients; these check
 * the pipeline's own logic.
 */
import { z } from 'zod';
import { ErrorCode, InvalidAnswerError, ScribeError } from '../../src/errors.ts';
import type {
  CachedResearch,
  Llm,
  LlmRequest,
  Page,
  PageReader,
  PaperSearch,
  ResearchCache,
  WebResult,
  WebSearch,
} from '../../src/pipeline/ports.ts';
import type { Paper } from '../../src/pipeline/types.ts';

/** Answers the `index`-th call (0-based). Throwing makes the call fail. */
export type Responder<Req, Res> = (request: Req, index: number) => Res | Promise<Res>;

/** A scripted failure inside `sequence`. */
export class Fails {
  readonly error: Error;
  constructor(error: Error) {
    this.error = error;
  }
}
export const fails = (error: Error) => new Fails(error);

/** An LLM answer given as raw text (e.g. not JSON at all) instead of a value. */
export class RawAnswer {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}
export const rawAnswer = (text: string) => new RawAnswer(text);

/**
 * Replies in order: a value, `fails(err)`, or a function of the request. A call past the end
 * fails loudly, so an unexpected extra call shows up in the test.
 */
export function sequence<Req, Res>(
  ...replies: (Res | Fails | ((request: Req) => Res | Promise<Res>))[]
): Responder<Req, Res> {
  return async (request, index) => {
    if (index >= replies.length)
      throw new Error(`double: unexpected call #${index + 1} (only ${replies.length} scripted)`);
    const reply = replies[index];
    if (reply instanceof Fails) throw reply.error;
    if (typeof reply === 'function') return (reply as (r: Req) => Res | Promise<Res>)(request);
    return reply as Res;
  };
}

export interface Call {
  port: 'llm' | 'search' | 'papers' | 'pages';
  /** Method, or for the LLM the structured answer's name. */
  what: string;
  request: unknown;
  startedAt: number;
  endedAt: number | undefined;
  failed: boolean;
}

/** Calls across all the doubles sharing it, in the order they started. */
export class CallLog {
  readonly calls: Call[] = [];
  of(port: Call['port'], what?: string): Call[] {
    return this.calls.filter((c) => c.port === port && (what === undefined || c.what === what));
  }
  async track<T>(
    port: Call['port'],
    what: string,
    request: unknown,
    latencyMs: number,
    fn: () => T | Promise<T>,
  ): Promise<T> {
    const call: Call = {
      port,
      what,
      request,
      startedAt: globalThis.performance.now(),
      endedAt: undefined,
      failed: false,
    };
    this.calls.push(call);
    try {
      if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs));
      return await fn();
    } catch (err) {
      call.failed = true;
      throw err;
    } finally {
      call.endedAt = globalThis.performance.now();
    }
  }
}

export type StructuredRequest = LlmRequest & { schema: z.ZodType<unknown>; name: string };

export interface LlmDoubleOptions {
  /** By answer name: the JSON value to answer (validated against the request's schema) or `rawAnswer`. */
  structured?: Record<string, Responder<StructuredRequest, unknown>>;
  complete?: Responder<LlmRequest, string>;
  /** Latency of every call, or by answer name. */
  latencyMs?: number | Record<string, number>;
  log?: CallLog;
}

export interface LlmDouble extends Llm {
  /** Every structured request, in order, with its name. */
  readonly requests: StructuredRequest[];
  readonly log: CallLog;
}

/**
 * An `Llm` that answers from a script. Like the real client, a structured answer that is not JSON
 * or fails the schema throws `InvalidAnswerError` with the raw text and the issues.
 */
export function llmDouble(options: LlmDoubleOptions = {}): LlmDouble {
  const log = options.log ?? new CallLog();
  const requests: StructuredRequest[] = [];
  const counts = new Map<string, number>();
  const latency = (name: string) =>
    typeof options.latencyMs === 'number' ? options.latencyMs : (options.latencyMs?.[name] ?? 0);
  const usage = { inputTokens: 10, outputTokens: 10, cacheCreationInputTokens: 0, cacheReadInputTokens: 0 };
  return {
    requests,
    log,
    async complete(request) {
      const index = counts.get('complete') ?? 0;
      counts.set('complete', index + 1);
      const respond =
        options.complete ??
        (() => {
          throw new Error('double: complete() not scripted');
        });
      return log.track('llm', 'complete', request, latency('complete'), async () => ({
        text: await respond(request, index),
        usage,
      }));
    },
    async structured<T>(request: LlmRequest & { schema: z.ZodType<T>; name: string }) {
      requests.push(request);
      const index = counts.get(request.name) ?? 0;
      counts.set(request.name, index + 1);
      const respond = options.structured?.[request.name];
      if (!respond) throw new Error(`double: no script for structured answer "${request.name}"`);
      return log.track('llm', request.name, request, latency(request.name), async () => {
        const answer = await respond(request, index);
        let raw: string;
        let json: unknown;
        if (answer instanceof RawAnswer) {
          raw = answer.text;
          try {
            json = JSON.parse(raw);
          } catch {
            throw new InvalidAnswerError('The model did not answer with JSON.', {
              raw,
              issues: 'the answer is not valid JSON',
              service: 'Anthropic',
            });
          }
        } else {
          json = answer;
          raw = JSON.stringify(answer);
        }
        const parsed = request.schema.safeParse(json);
        if (!parsed.success) {
          throw new InvalidAnswerError('The model’s answer did not match the expected shape.', {
            raw,
            issues: z.prettifyError(parsed.error),
            service: 'Anthropic',
          });
        }
        return { value: parsed.data, usage };
      });
    },
  };
}

export interface DoubleOptions {
  latencyMs?: number;
  log?: CallLog;
}

/** A `WebSearch` answering each query from `respond`; `queries` lists what was asked. */
export function searchDouble(
  respond: Responder<string, WebResult[]>,
  options: DoubleOptions = {},
): WebSearch & { queries: string[] } {
  const queries: string[] = [];
  const log = options.log ?? new CallLog();
  return {
    queries,
    search(query) {
      const index = queries.push(query) - 1;
      return log
        .track('search', 'search', query, options.latencyMs ?? 0, () => respond(query, index))
        .then((results) => ({ results }));
    },
  };
}

/** A `PaperSearch` answering from `respond`; `authors` lists who was asked for. */
export function papersDouble(
  respond: Responder<string, Paper[]>,
  options: DoubleOptions = {},
): PaperSearch & { authors: string[] } {
  const authors: string[] = [];
  const log = options.log ?? new CallLog();
  return {
    authors,
    byAuthor(name) {
      const index = authors.push(name) - 1;
      return log.track('papers', 'byAuthor', name, options.latencyMs ?? 0, () => respond(name, index));
    },
  };
}

/**
 * A `PageReader` over a table of URL → page text (or an Error to throw). Unknown URLs fail like a
 * 404. `reads` lists the URLs asked for; `maxInFlight` the most reads at once.
 */
export function pagesDouble(
  table: Record<string, string | Error>,
  options: DoubleOptions = {},
): PageReader & { reads: string[]; maxInFlight: number; closed: boolean } {
  const log = options.log ?? new CallLog();
  let inFlight = 0;
  const double = {
    reads: [] as string[],
    maxInFlight: 0,
    closed: false,
    async read(url: string): Promise<Page> {
      double.reads.push(url);
      inFlight++;
      double.maxInFlight = Math.max(double.maxInFlight, inFlight);
      try {
        return await log.track('pages', 'read', url, options.latencyMs ?? 0, () => {
          const entry = table[url];
          if (entry instanceof Error) throw entry;
          if (entry === undefined)
            throw new ScribeError(ErrorCode.PageFailed, `${url} answered 404 Not Found`, { status: 404 });
          return { url, finalUrl: url, title: `Page ${url}`, text: entry, via: 'http' as const };
        });
      } finally {
        inFlight--;
      }
    },
    async close() {
      double.closed = true;
    },
  };
  return double;
}

/** A `ResearchCache` in a Map, aged by an injectable clock. */
export function memoryCache(now: () => number = Date.now): ResearchCache & {
  entries: Map<string, { value: CachedResearch; storedAt: number; recipientKey?: string | undefined }>;
  gets: string[];
  puts: string[];
} {
  const entries = new Map<string, { value: CachedResearch; storedAt: number; recipientKey?: string | undefined }>();
  const gets: string[] = [];
  const puts: string[] = [];
  return {
    entries,
    gets,
    puts,
    async get(key, maxAgeMs) {
      gets.push(key);
      const entry = entries.get(key);
      if (!entry || now() - entry.storedAt > maxAgeMs) return undefined;
      // A JSON round trip, as through Postgres.
      return JSON.parse(JSON.stringify(entry.value)) as CachedResearch;
    },
    async put(key, value, recipientKey) {
      puts.push(key);
      entries.set(key, { value: JSON.parse(JSON.stringify(value)) as CachedResearch, storedAt: now(), recipientKey });
    },
    async holdsRecipient(recipientKey, maxAgeMs) {
      return [...entries.values()].some((e) => e.recipientKey === recipientKey && now() - e.storedAt <= maxAgeMs);
    },
  };
}
