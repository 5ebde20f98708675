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

/** Tokens of one LLM call (or a sum of calls), as the Messages API reports them. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadInputTokens: number;
  cacheCreationInputTokens: number;
}

export const ZERO_USAGE: TokenUsage = {
  inputTokens: 0,
  outputTokens: 0,
  cacheReadInputTokens: 0,
  cacheCreationInputTokens: 0,
};

export function addUsage(a: TokenUsage, b: TokenUsage): TokenUsage {
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
export function tokenCost(table: PriceTable, model: string, usage: TokenUsage): number | undefined {
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
