/**
 * One email through the whole pipeline with the real clients against the fakes, metered as the
 * worker meters it and priced at the list prices: what the cost bench and the cost test measure.
 */
import { silentLogger } from '../../src/log.ts';
import type { PipelineClients } from '../../src/pipeline/clients/index.ts';
import { createObserver } from '../../src/pipeline/observe.ts';
import { DEFAULT_PRICES } from '../../src/pipeline/prices.ts';
import { runPipeline, type PipelineDeps } from '../../src/pipeline/runner.ts';
import type { PipelineData, PipelineInput } from '../../src/pipeline/types.ts';
import { createUsageMeter, tokensByModel, usageCost, type GenerationUsage } from '../../src/pipeline/usage.ts';

export const COST_MODELS = { fast: 'claude-haiku-5-5', writer: 'claude-sonnet-5-5' } as const;

export interface CostedRun {
  data: PipelineData;
  usage: GenerationUsage;
  usd: number;
  /** Every input token the models read (cached or not). */
  inputTokens: number;
}

export async function runCosted(
  clients: PipelineClients,
  input: PipelineInput,
  limits?: PipelineDeps['limits'],
  /** Steps already done (a batch's shared reading of the template): not run, not billed. */
  steps: PipelineData['steps'] = {},
): Promise<CostedRun> {
  const meter = createUsageMeter();
  const deps: PipelineDeps = { ...clients, models: COST_MODELS, researchCacheTtlMs: 0, logger: silentLogger(), limits };
  const data = await runPipeline({ input, steps }, deps, {
    observer: createObserver({ meter, prices: DEFAULT_PRICES }),
  });
  const usage = meter.snapshot();
  const inputTokens = Object.values(tokensByModel(usage)).reduce(
    (sum, t) => sum + t.inputTokens + t.cacheReadInputTokens + t.cacheCreationInputTokens,
    0,
  );
  return { data, usage, usd: usageCost(DEFAULT_PRICES, usage).usd, inputTokens };
}
