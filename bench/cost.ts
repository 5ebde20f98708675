/**
 * Cost per email (issue 21): the whole pipeline with the real clients against the fakes, on one
 * recipient's web at real size (`test/fakes/recipient-web.ts`: ten pages of 6,000–26,000
 * characters of text, a five-paper arXiv feed), tokens counted from the prompts' real length
 * (`CHARS_PER_TOKEN` in the Anthropic fake), Exa priced by what it bills (`costDollars`), all at
 * the list prices in `src/pipeline/prices.ts`. The baseline is the research before issue 21
 * (`RESEARCH_BASELINE`, `ARXIV_BASELINE`), measured in the same run at the same prices.
 *
 * - cost.single: one email (target ≤ $0.02);
 * - cost.batch50: fifty emails with one template, parsed once for the batch as the worker does
 *   (the first row's reading reused by the others) and written through the same prompt cache
 *   (the composer's stable prefix: system prompt, example, template) — target ≤ $0.012 an email;
 *   `parse_once_saves_usd_per_email` is what the shared reading saves, `cache_read_share` the
 *   part of the composer's input read from the cache.
 */
import { silentLogger } from '../src/log.ts';
import { createPipelineClients, type PipelineClients } from '../src/pipeline/clients/index.ts';
import { DEFAULT_PRICES, tokenCost } from '../src/pipeline/prices.ts';
import { ARXIV_BASELINE } from '../src/pipeline/steps/arxiv.ts';
import type { PipelineDeps } from '../src/pipeline/runner.ts';
import { RESEARCH_BASELINE, RESEARCH_LIMITS } from '../src/pipeline/steps/research.ts';
import type { PipelineInput } from '../src/pipeline/types.ts';
import type { GenerationUsage } from '../src/pipeline/usage.ts';
import { serveRecipientWeb, WEB_RECIPIENT, WEB_TEMPLATE } from '../test/fakes/recipient-web.ts';
import { type CostedRun, runCosted } from '../test/helpers/cost-run.ts';
import { OPENALEX_TEST_KEY, startServices } from '../test/helpers/services.ts';
import { report } from './report.ts';

const BASELINE = { research: RESEARCH_BASELINE, arxiv: ARXIV_BASELINE };
const BATCH = 50;

export async function benchCost(): Promise<void> {
  const services = await startServices();
  serveRecipientWeb(services);
  // With OpenAlex (OPENALEX_API_KEY set, as the README advises), the identity is confirmed and the
  // publications search can be left out; without it, both searches as before.
  const clients = createPipelineClients(services.config({ OPENALEX_API_KEY: OPENALEX_TEST_KEY }), silentLogger(), {
    arxivIntervalMs: 0,
  });
  const keyless = createPipelineClients(services.config(), silentLogger(), { arxivIntervalMs: 0 });
  const input = { template: WEB_TEMPLATE, ...WEB_RECIPIENT };
  try {
    const now = await runCosted(clients, input);
    const before = await runCosted(clients, input, BASELINE);
    report({
      bench: 'cost.single',
      usd_per_email: round(now.usd),
      input_tokens: now.inputTokens,
      baseline_usd_per_email: round(before.usd),
      baseline_input_tokens: before.inputTokens,
      by_step: byStep(now.usage),
      baseline_by_step: byStep(before.usage),
      llm_calls: callsByStep(now.usage),
      baseline_llm_calls: callsByStep(before.usage),
      target: '≤ $0.02',
      met: now.usd <= 0.02,
    });

    const searchesBefore = services.openalex.searches().length;
    const listsBefore = services.openalex.requests.filter((r) => r.path.startsWith('/works?')).length;
    const batch = await runBatch(clients, input);
    const searches = services.openalex.searches().length - searchesBefore;
    const lists = services.openalex.requests.filter((r) => r.path.startsWith('/works?')).length - listsBefore;
    const bothSearches = await runBatch(clients, input, {
      research: { ...RESEARCH_LIMITS, skipPublicationsWith: undefined },
    });
    const withoutOpenAlex = await runBatch(keyless, input);
    report({
      bench: 'cost.batch50',
      usd_per_email: round(batch.usd),
      baseline_usd_per_email: round(before.usd),
      both_searches_usd_per_email: round(bothSearches.usd),
      without_openalex_usd_per_email: round(withoutOpenAlex.usd),
      exa_searches_per_email: batch.exaSearches,
      // OpenAlex is free up to $1 a day per key (1,000 searches); past it, $1 per 1,000 searches and
      // $0.10 per 1,000 lists (developers.openalex.org, "Authentication & Pricing").
      openalex_usd_per_email_past_free_allowance: round((searches * 0.001 + lists * 0.0001) / BATCH),
      parse_usd_per_email: round(batch.parse),
      parse_once_saves_usd_per_email: round(stepUsd(now, 'parse') - batch.parse),
      cache_read_share: batch.cacheReadShare,
      by_step: batch.byStep,
      target: '≤ $0.012',
      met: batch.usd <= 0.012,
    });
  } finally {
    await clients.close();
    await keyless.close();
    await services.close();
  }
}

/** One template, fifty recipients (the same pages answer every one of them): per email. */
async function runBatch(clients: PipelineClients, input: PipelineInput, limits?: PipelineDeps['limits']) {
  let total = 0;
  let parse = 0;
  let exaSearches = 0;
  const composer = { read: 0, all: 0 };
  const steps: Record<string, number> = {};
  let reading: CostedRun['data']['steps']['parse'];
  for (let i = 0; i < BATCH; i++) {
    const recipient = { ...input, recipientName: `Grace Hopper ${i + 1}` };
    const run = await runCosted(clients, recipient, limits, reading ? { parse: reading } : {});
    reading ??= run.data.steps.parse;
    total += run.usd;
    parse += stepUsd(run, 'parse');
    exaSearches += Object.values(run.usage).reduce((n, u) => n + u.exaSearches, 0);
    for (const [step, usd] of Object.entries(byStep(run.usage))) steps[step] = (steps[step] ?? 0) + usd / BATCH;
    for (const t of Object.values(run.usage.compose?.llm ?? {})) {
      composer.read += t.cacheReadInputTokens;
      composer.all += t.inputTokens + t.cacheReadInputTokens + t.cacheCreationInputTokens;
    }
  }
  return {
    usd: total / BATCH,
    parse: parse / BATCH,
    exaSearches: exaSearches / BATCH,
    cacheReadShare: Math.round((composer.read / composer.all) * 100) / 100,
    byStep: Object.fromEntries(Object.entries(steps).map(([step, usd]) => [step, round(usd)])),
  };
}

/** USD per step, and Exa's part of the research. */
function byStep(usage: GenerationUsage): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [step, u] of Object.entries(usage)) {
    const llm = Object.entries(u.llm).reduce((sum, [model, t]) => sum + (tokenCost(DEFAULT_PRICES, model, t) ?? 0), 0);
    out[step] = round(llm);
    if (u.exaSearches > 0) out[`${step}_exa`] = round(u.exaUsd ?? 0);
  }
  return out;
}

/** LLM calls per step (compose's second is the corrective retry). */
function callsByStep(usage: GenerationUsage): Record<string, number> {
  return Object.fromEntries(
    Object.entries(usage).map(([step, u]) => [step, Object.values(u.llm).reduce((n, t) => n + t.calls, 0)]),
  );
}

function stepUsd(run: CostedRun, step: 'parse'): number {
  return Object.entries(run.usage[step]?.llm ?? {}).reduce(
    (sum, [model, t]) => sum + (tokenCost(DEFAULT_PRICES, model, t) ?? 0),
    0,
  );
}

const round = (usd: number) => Math.round(usd * 100_000) / 100_000;
