/**
 * What a generation used, per step: every LLM call's tokens by model, and the Exa searches. It is
 * stored on the generation row (`generations.usage`, with its price in `cost_usd`) and added to on
 * every try, so a call that failed after it was billed, or a try that the queue retried, is still
 * counted. Reused steps (research cache, a regenerate's parent) made no calls, so they cost nothing.
 */
import { z } from 'zod';
import type { LlmUsage } from './ports.ts';
import { addUsage, exaCost, tokenCost, ZERO_USAGE, type PriceTable } from './prices.ts';
import { STEP_NAMES, type StepName } from './types.ts';

/** One model's calls within a step. */
export interface ModelUsage extends LlmUsage {
  calls: number;
}

export interface StepUsage {
  /** Keyed by model name. */
  llm: Record<string, ModelUsage>;
  exaSearches: number;
  /**
   * USD of those searches: Exa's own figure for each answer that had one, else the list price of
   * its type. Absent in rows recorded before it was kept: they are priced from the table.
   */
  exaUsd?: number | undefined;
}

export type GenerationUsage = { [S in StepName]?: StepUsage };

const count = z.number().int().nonnegative();
const ModelUsageSchema = z.object({
  calls: count,
  inputTokens: count,
  outputTokens: count,
  cacheCreationInputTokens: count,
  cacheReadInputTokens: count,
}) satisfies z.ZodType<ModelUsage>;
const StepUsageSchema = z.object({
  llm: z.record(z.string(), ModelUsageSchema),
  exaSearches: count,
  exaUsd: z.number().nonnegative().optional(),
}) satisfies z.ZodType<StepUsage>;

/**
 * The stored usage, read back: a step whose record does not parse is left out (its cost is then
 * not shown again, which is better than a wrong figure); anything but an object is no usage.
 */
export function parseGenerationUsage(value: unknown): GenerationUsage {
  const usage: GenerationUsage = {};
  if (!value || typeof value !== 'object' || Array.isArray(value)) return usage;
  for (const step of STEP_NAMES) {
    const parsed = StepUsageSchema.safeParse((value as Record<string, unknown>)[step]);
    if (parsed.success) usage[step] = parsed.data;
  }
  return usage;
}

/** The USD of a usage at the table's rates; `unpriced` lists models the table has no price for. */
export function usageCost(table: PriceTable, usage: GenerationUsage): { usd: number; unpriced: string[] } {
  let usd = 0;
  const unpriced = new Set<string>();
  for (const step of Object.values(usage)) {
    for (const [model, tokens] of Object.entries(step.llm)) {
      const cost = tokenCost(table, model, tokens);
      if (cost === undefined) unpriced.add(model);
      else usd += cost;
    }
    usd += step.exaUsd ?? exaCost(table, step.exaSearches);
  }
  return { usd, unpriced: [...unpriced] };
}

/** Every model's tokens over all steps (for metrics and spans). */
export function tokensByModel(usage: GenerationUsage): Record<string, ModelUsage> {
  const out: Record<string, ModelUsage> = {};
  for (const step of Object.values(usage)) {
    for (const [model, tokens] of Object.entries(step.llm))
      out[model] = addModelUsage(out[model], tokens, tokens.calls);
  }
  return out;
}

function addModelUsage(a: ModelUsage | undefined, b: LlmUsage, calls: number): ModelUsage {
  const base = a ?? { ...ZERO_USAGE, calls: 0 };
  const tokens = addUsage(base, b);
  return {
    calls: base.calls + calls,
    inputTokens: tokens.inputTokens,
    outputTokens: tokens.outputTokens,
    cacheCreationInputTokens: tokens.cacheCreationInputTokens,
    cacheReadInputTokens: tokens.cacheReadInputTokens,
  };
}

/** Adds up the calls of a run, on top of what earlier tries recorded. */
export interface UsageMeter {
  /** One billed LLM answer (used or not). */
  llm(step: StepName, model: string, usage: LlmUsage): void;
  /** One Exa search that answered, and what it cost (USD). */
  exa(step: StepName, usd: number): void;
  /** Everything recorded so far, earlier tries included (a copy). */
  snapshot(): GenerationUsage;
  /** Only what this meter recorded itself (this try). */
  added(): GenerationUsage;
}

export function createUsageMeter(initial: GenerationUsage = {}): UsageMeter {
  const total: GenerationUsage = structuredClone(initial);
  const mine: GenerationUsage = {};
  const stepOf = (usage: GenerationUsage, step: StepName): StepUsage => {
    usage[step] ??= { llm: {}, exaSearches: 0 };
    return usage[step];
  };
  return {
    llm(step, model, usage) {
      for (const u of [total, mine]) {
        const s = stepOf(u, step);
        s.llm[model] = addModelUsage(s.llm[model], usage, 1);
      }
    },
    exa(step, usd) {
      for (const u of [total, mine]) {
        const s = stepOf(u, step);
        s.exaSearches += 1;
        s.exaUsd = (s.exaUsd ?? 0) + usd;
      }
    },
    snapshot: () => structuredClone(total),
    added: () => structuredClone(mine),
  };
}
