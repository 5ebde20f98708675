/**
 * What an email cost: token usage and Exa requests priced from a small table.
 *
 * The defaults are the providers' published list prices (USD) when this was written; prices change,
 * so the table can be replaced with `SCRIBE_PRICES_JSON` (same shape as `PriceTableSchema`). A model
 * is priced by the longest entry that its name starts with ("claude-haiku-5-5" prices its dated
 * versions, "claude-haiku" every other Haiku), so a new dated version needs no change; a model no entry matches is reported as unpriced rather than
 * counted as free.
 */
import { z } from 'zod';

/** USD per million tokens. */
const ModelPriceSchema = z.object({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  /** Reading a prompt cache hit. */
  cacheRead: z.number().nonnegative(),
  /** Writing the prompt cache (5-minute cache). */
  cacheWrite: z.number().nonnegative(),
});
export type ModelPrice = z.infer<typeof ModelPriceSchema>;

export const PriceTableSchema = z.object({
  /** Keyed by model name or name prefix. */
  models: z.record(z.string().min(1), ModelPriceSchema),
  /** USD per Exa search request of the default type (`auto`), up to 10 results, contents included. */
  exaSearch: z.number().nonnegative(),
  /** USD per Exa search request of type `lite`, up to 10 results, contents included. */
  exaLiteSearch: z.number().nonnegative(),
});
export type PriceTable = z.infer<typeof PriceTableSchema>;

/**
 * List prices (USD): Anthropic per million tokens; Exa per search with contents.
 *
 * Anthropic, from the model overview pages on platform.claude.com (docs/en/models/…/overview,
 * read 2026-12 through the docs search; the pricing page itself could not be read here):
 * - Haiku 5.5: $0.10 in, $0.50 out, $0.125 5-minute cache write, for prompts up to 100,000 tokens;
 *   a longer prompt pays five times that on every token of the request. Scribe's prompts stay far
 *   below (the whole corpus is at most 120,000 characters, about 35,000 tokens), so only the lower
 *   band is in the table. Its cache read ($0.01) is from third-party price lists that quote the
 *   page (0.1× input, as for every other model); not confirmed on Anthropic's page.
 * - Sonnet 5 and 5.5: $2 in, $10 out, $2.50 cache write, $0.20 cache read as the overview pages
 *   say. Third-party lists report a cut of Sonnet 5.5's cache read to $0.10 on 2026-10-07, which
 *   we could not confirm; the higher figure is kept.
 * - Opus 5.5: $4 in, $20 out (overview pages); cache write 1.25× and read 0.05× of input as the
 *   third-party lists give them, not confirmed.
 * - The older families keep the prices of their last 4.x models (Haiku 4.5 $1/$5, Sonnet 4.x
 *   $3/$15, Opus 4.5–4.8 $5/$25), so an older model name set in SCRIBE_*_MODEL is priced right.
 *
 * Exa, from exa.ai/docs/changelog/pricing-update (March 3, 2026) and exa.ai/changelog (the
 * `lite` type), read 2026-12: a search with up to 10 results costs $7 per 1,000 (`auto`, the
 * default when no type is sent) or $4 per 1,000 (`lite`), text and highlights included; each
 * result past 10 costs $0.001 more (Scribe never asks for more than 10). Exa's own figure for
 * each answer (`costDollars.total`) is recorded when it sends one; these prices are the fallback.
 */
export const DEFAULT_PRICES = {
  models: {
    'claude-haiku': { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 },
    'claude-haiku-5-5': { input: 0.1, output: 0.5, cacheRead: 0.01, cacheWrite: 0.125 },
    'claude-sonnet': { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
    'claude-sonnet-5': { input: 2, output: 10, cacheRead: 0.2, cacheWrite: 2.5 },
    'claude-opus': { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 },
    'claude-opus-5-5': { input: 4, output: 20, cacheRead: 0.2, cacheWrite: 5 },
  },
  exaSearch: 0.007,
  exaLiteSearch: 0.004,
} as const satisfies PriceTable;

/** Exa's search types Scribe sends (none: Exa's default, `auto`). */
export type ExaSearchType = 'auto' | 'lite';

/**
 * Tokens of one LLM answer (or a sum of answers), as the Messages API reports them. The three
 * input counts are disjoint (Anthropic's `input_tokens` leaves out cached input), so the whole
 * input is their sum; each is priced differently. Defined here, the leaf every user of it can
 * import (errors.ts included), and re-exported by the pipeline's ports.
 */
export interface LlmUsage {
  /** Input read without the prompt cache. */
  inputTokens: number;
  outputTokens: number;
  /** Input read from the prompt cache. */
  cacheReadInputTokens: number;
  /** Input written to the prompt cache by this request. */
  cacheCreationInputTokens: number;
}

export const ZERO_USAGE: LlmUsage = {
  inputTokens: 0,
  outputTokens: 0,
  cacheReadInputTokens: 0,
  cacheCreationInputTokens: 0,
};

export function addUsage(a: LlmUsage, b: LlmUsage): LlmUsage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cacheReadInputTokens: a.cacheReadInputTokens + b.cacheReadInputTokens,
    cacheCreationInputTokens: a.cacheCreationInputTokens + b.cacheCreationInputTokens,
  };
}

/** The price entry for a model: an exact name first, else the longest matching prefix. */
export function priceOf(table: PriceTable, model: string): ModelPrice | undefined {
  const exact = table.models[model];
  if (exact) return exact;
  let best: string | undefined;
  for (const key of Object.keys(table.models)) {
    if (model.startsWith(key) && (best === undefined || key.length > best.length)) best = key;
  }
  return best === undefined ? undefined : table.models[best];
}

/** USD for one model's usage; undefined when the table has no price for the model. */
export function tokenCost(table: PriceTable, model: string, usage: LlmUsage): number | undefined {
  const price = priceOf(table, model);
  if (!price) return undefined;
  const perToken = (perMillion: number, tokens: number) => (perMillion * tokens) / 1_000_000;
  return (
    perToken(price.input, usage.inputTokens) +
    perToken(price.output, usage.outputTokens) +
    perToken(price.cacheRead, usage.cacheReadInputTokens) +
    perToken(price.cacheWrite, usage.cacheCreationInputTokens)
  );
}

/**
 * One new email's cost when there is no history to estimate it from (USD): about four times a first
 * version with fresh research at the default list prices (`npm run bench -- cost` measures ≈ $0.025,
 * the composer's corrective call included), so a batch is more likely refused than let past the
 * budget, and a price table overridden upwards is still covered.
 */
export const FALLBACK_EMAIL_COST_USD = 0.1;

/** The batch estimate of one email: the median of recent real costs, else the fallback. */
export function estimateEmailCost(recentMedianUsd: number | undefined): number {
  return recentMedianUsd !== undefined && recentMedianUsd > 0 ? recentMedianUsd : FALLBACK_EMAIL_COST_USD;
}

/** USD for `searches` Exa requests of a type (default `auto`) at list price. */
export function exaCost(table: PriceTable, searches: number, type: ExaSearchType = 'auto'): number {
  return (type === 'lite' ? table.exaLiteSearch : table.exaSearch) * searches;
}

/**
 * Parses `SCRIBE_PRICES_JSON`: a whole table, or only the parts to change (merged over the
 * defaults, model by model). Throws a message naming what is wrong.
 */
export function parsePriceOverrides(json: string): PriceTable {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (err) {
    throw new Error(`not valid JSON (${(err as Error).message})`);
  }
  const parsed = PriceTableSchema.partial().safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${issue?.path.join('.') || 'the table'}: ${issue?.message ?? 'invalid'}`);
  }
  return {
    models: { ...DEFAULT_PRICES.models, ...parsed.data.models },
    exaSearch: parsed.data.exaSearch ?? DEFAULT_PRICES.exaSearch,
    exaLiteSearch: parsed.data.exaLiteSearch ?? DEFAULT_PRICES.exaLiteSearch,
  };
}

/** "$0.024", "$1.37", "<$0.001": enough digits to tell emails apart, never a wall of them. */
export function formatUsd(usd: number): string {
  if (usd > 0 && usd < 0.001) return '<$0.001';
  return `$${usd < 1 ? usd.toFixed(3) : usd.toFixed(2)}`;
}
