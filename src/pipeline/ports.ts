/**
 * The pipeline's view of the outside world: small interfaces named by what they do. Real
 * implementations live in `clients/` beside them; tests hand in the same real clients pointed at
 * the local fakes in `test/fakes/`.
 *
 * Contract for implementations: transient failures (429, 5xx, 529, timeouts, connection refused)
 * throw `RetryableError` (with `retryAfterMs` when the service said so); everything else throws
 * `PermanentError` (401/403: "check ANTHROPIC_API_KEY"; 400: what was rejected). Implementations do
 * not retry on their own: the pipeline's retry policy is the single place that decides.
 */
import type { z } from 'zod';
import type { ExaSearchType, LlmUsage } from './prices.ts';
import type { Paper, ScholarAuthor, ScholarWork, StepRecord } from './types.ts';

/** Tokens one answer used (defined with their prices, in prices.ts). */
export type { LlmUsage };

export interface LlmMessage {
  role: 'user' | 'assistant';
  content: string;
  /**
   * The first `stableChars` characters of `content`, with the system prompt and the messages before
   * this one, are the same across requests (a batch's template, a corrective retry): the client
   * asks the API to cache that prefix when it is long enough for the model to cache.
   */
  stableChars?: number | undefined;
}

export interface LlmRequest {
  model: string;
  system: string;
  messages: LlmMessage[];
  maxTokens: number;
  signal?: AbortSignal | undefined;
  /**
   * Called with the answer's text so far as the model writes it (the client then streams the
   * answer). Only a hint for a live display: the finished answer, returned as usual, is the truth.
   */
  onText?: ((textSoFar: string) => void) | undefined;
}

/** A large language model (Anthropic Messages API). */
export interface Llm {
  /**
   * A free-text answer. Only a finished answer is a success: one cut off at `maxTokens`, refused,
   * or stopped for another reason throws (see `ErrorCode.AnswerTooLong`, `ModelDeclined`,
   * `InputTooLong`, `AnswerIncomplete`).
   */
  complete(request: LlmRequest): Promise<{ text: string; usage: LlmUsage }>;
  /**
   * A structured answer: JSON validated against `schema`. A finished answer that is not valid JSON
   * or does not match throws `InvalidAnswerError` carrying the raw text and the issues, so the
   * caller can ask again once with the validation error. An unfinished one (cut off, refused,
   * paused) throws the same errors as `complete`, never `InvalidAnswerError`: asking again with a
   * correction would not help.
   */
  structured<T>(request: LlmRequest & { schema: z.ZodType<T>; name: string }): Promise<{ value: T; usage: LlmUsage }>;
}

export interface WebResult {
  url: string;
  title: string;
  /** Page text when the search service could give it; undefined or empty when it could not. */
  text: string | undefined;
  publishedDate?: string | undefined;
  author?: string | undefined;
  /** The passages most relevant to the query, when they were asked for (Exa's highlights). */
  highlights?: string[] | undefined;
}

export interface WebSearchOptions {
  numResults: number;
  /** The service's search type; undefined sends none (Exa's default, `auto`). */
  type?: ExaSearchType | undefined;
  /** Page text asked for per result, in characters. */
  textChars: number;
  /** Query-relevant passages asked for per result, in characters; 0 asks for none. */
  highlightChars?: number | undefined;
  signal?: AbortSignal | undefined;
}

/** One search's results and, when the service said, what it billed for them. */
export interface WebSearchAnswer {
  results: WebResult[];
  /** USD, as the service reported it (Exa's `costDollars.total`). */
  costUsd?: number | undefined;
}

/** Web search with page text (Exa). */
export interface WebSearch {
  search(query: string, options: WebSearchOptions): Promise<WebSearchAnswer>;
}

/** Scholarly papers by author (arXiv). */
export interface PaperSearch {
  /** Papers listing `authorName` among their authors, newest first, at most `maxResults`. */
  byAuthor(authorName: string, options: { maxResults: number; signal?: AbortSignal }): Promise<Paper[]>;
  /**
   * Every paper of an author id the service keeps (arXiv's `arxiv.org/a/<id>`: the author claimed
   * them, so no namesake's), newest first. An id the service does not know throws
   * `PermanentError` (invalid_input) naming it. Optional: a search without author ids omits it.
   */
  byAuthorId?(authorId: string, options?: { signal?: AbortSignal | undefined }): Promise<Paper[]>;
}

export interface Page {
  /** The URL asked for. */
  url: string;
  /** Where it ended up after redirects. */
  finalUrl: string;
  title: string;
  /** Main text, whitespace-normalised. */
  text: string;
  via: 'http' | 'browser';
}

/**
 * Reads a web page's main text: plain HTTP first, the shared browser only for pages whose static
 * HTML has too little text. Refuses private/loopback/link-local targets (SSRF), redirects
 * included. Failures throw `ScribeError` with code `page_refused` or `page_failed`: the research
 * step turns them into warnings.
 */
export interface PageReader {
  read(url: string, options?: { signal?: AbortSignal }): Promise<Page>;
  /**
   * Gets ready to read (the text extraction thread starts), so that what research spends waiting
   * for its search is not spent again within its pages' deadline. Optional: a reader may have nothing to do.
   */
  warm?(): void;
  /** Closes the browser if one is open. */
  close(): Promise<void>;
}

/** Research (steps 2–3 outputs, and who the recipient is) reused for the same recipient, search terms and hint, within one workspace or guild, within the TTL. */
export interface CachedResearch {
  research: StepRecord<'research'> | undefined;
  identity: StepRecord<'identity'> | undefined;
  arxiv: StepRecord<'arxiv'> | undefined;
}

export interface ResearchCache {
  get(key: string, maxAgeMs: number): Promise<CachedResearch | undefined>;
  /** `recipientKey` (`recipientCacheKey`) says whom the research is for, whatever the template. */
  put(key: string, value: CachedResearch, recipientKey?: string): Promise<void>;
  /**
   * Whether research for this recipient was cached within `maxAgeMs`, whatever the template: the
   * run then probably reuses it, and does not search before its template is parsed. Optional: a
   * cache without it never holds the early search back.
   */
  holdsRecipient?(recipientKey: string, maxAgeMs: number): Promise<boolean>;
}

/**
 * An answer from a directory that may refuse to serve us: OpenAlex without an API key has a tiny
 * daily allowance, and answers 403 or 429 when it is spent. That is not a failure of the email:
 * `unavailable` says why, and the identity step falls back to "identity not verified".
 */
export type DirectoryAnswer<T> = { ok: true; value: T } | { ok: false; unavailable: string };

/** Who a scholarly author is, and what they wrote (OpenAlex). */
export interface ScholarDirectory {
  /** Profiles whose name matches `name`, the directory's best first, at most `limit`. */
  searchAuthors(
    name: string,
    options: { limit: number; signal?: AbortSignal | undefined },
  ): Promise<DirectoryAnswer<ScholarAuthor[]>>;
  /** One profile by OpenAlex id ("A…") or ORCID; `undefined` when there is none. */
  getAuthor(
    id: { openalex: string } | { orcid: string },
    options?: { signal?: AbortSignal | undefined },
  ): Promise<DirectoryAnswer<ScholarAuthor | undefined>>;
  /** The profile's works, newest first, at most `limit`. */
  listWorks(
    authorId: string,
    options: { limit: number; signal?: AbortSignal | undefined },
  ): Promise<DirectoryAnswer<ScholarWork[]>>;
}
