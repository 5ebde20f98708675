/**
 * What an email cost: token usage and Exa requests priced from a small table.
 *
 * The defaults are the providers' published list prices (USD) when this was written; prices change,
 * so the table can be replaced with `SCRIBE_PRICES_JSON` (same shape as `PriceTableSchema`). A model
 * is priced by the longest entry that its name starts with ("claude-haiku" prices every Haiku), so
 * a new model version needs no change; a model no entry matches is reported as unpriced rather than
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
  /** USD per Exa search request (contents included). */
  exaSearch: z.number().nonnegative(),
});
export type PriceTable = z.infer<typeof PriceTableSchema>;

/** List prices (USD): Anthropic per million tokens; Exa per search with contents. */
export const DEFAULT_PRICES = {
  models: {
    'claude-haiku': { input: 1, output: 5, cacheRead: 0.1, cacheWrite: 1.25 },
    'claude-sonnet': { input: 3, output: 15, cacheRead: 0.3, cacheWrite: 3.75 },
    'claude-opus': { input: 5, output: 25, cacheRead: 0.5, cacheWrite: 6.25 },
  },
  // $5 per 1,000 searches (1–25 results) plus $1 per 1,000 pages of text, 10 pages a search.
  exaSearch: 0.015,
} as const satisfies PriceTable;

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
 * One new email's cost when there is no history to estimate it from (USD): a first version with
 * fresh research at the default list prices — a Haiku reading of the template, 2–3 Exa searches
 * with contents (≈ $0.045), Haiku summaries of up to 5 pages, a Sonnet email (≈ $0.03) — rounded
 * up, so a batch is more likely refused than let past the budget.
 */
export const FALLBACK_EMAIL_COST_USD = 0.1;

/** The batch estimate of one email: the median of recent real costs, else the fallback. */
export function estimateEmailCost(recentMedianUsd: number | undefined): number {
  return recentMedianUsd !== undefined && recentMedianUsd > 0 ? recentMedianUsd : FALLBACK_EMAIL_COST_USD;
}

/** USD for `searches` Exa requests. */
export function exaCost(table: PriceTable, searches: number): number {
  return table.exaSearch * searches;
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
  };
}

/** "$0.024", "$1.37", "<$0.001": enough digits to tell emails apart, never a wall of them. */
export function formatUsd(usd: number): string {
  if (usd > 0 && usd < 0.001) return '<$0.001';
  return `$${usd < 1 ? usd.toFixed(3) : usd.toFixed(2)}`;
}
