/**
 * What the runner reports about a run besides progress: each step, and each call to an outside
 * service. One observer feeds the three consumers — the usage meter (cost), the tracer (a span per
 * step and per call) and the metrics (step durations, tokens and cost by model) — so the runner
 * wraps each call once.
 */
import type { Metrics } from '../telemetry/metrics.ts';
import { NO_TRACER, type SpanAttributes, type Tracer } from '../telemetry/tracer.ts';
import { ScribeError } from '../errors.ts';
import type { LlmUsage } from './ports.ts';
import { tokenCost, exaCost, type ExaSearchType, type PriceTable } from './prices.ts';
import type { StepName } from './types.ts';
import type { UsageMeter } from './usage.ts';

/** One call to an outside service, as the runner knows it before it is made. */
export type CallDescription =
  | { kind: 'llm'; model: string; name?: string | undefined }
  | { kind: 'exa'; searchType?: ExaSearchType | undefined }
  | { kind: 'arxiv' }
  | { kind: 'openalex' }
  | { kind: 'page'; url: string };

export interface PipelineObserver {
  /** Wraps a step's run. */
  step<T>(step: StepName, fn: () => Promise<T>): Promise<T>;
  /** Wraps one try of a call; `attempt` is 1 for the first try. */
  call<T>(step: StepName, call: CallDescription, attempt: number, fn: () => Promise<T>): Promise<T>;
}

/** Observes nothing. */
export const NO_OBSERVER: PipelineObserver = {
  step: (_step, fn) => fn(),
  call: (_step, _call, _attempt, fn) => fn(),
};

export interface ObserverDeps {
  meter?: UsageMeter | undefined;
  prices: PriceTable;
  tracer?: Tracer | undefined;
  metrics?: Metrics | undefined;
  /** performance.now, for tests. */
  elapsed?: () => number;
}

const SPAN_NAMES = {
  llm: 'llm',
  exa: 'exa.search',
  arxiv: 'arxiv.search',
  openalex: 'openalex.request',
  page: 'page.read',
} as const;

export function createObserver(deps: ObserverDeps): PipelineObserver {
  const tracer = deps.tracer ?? NO_TRACER;
  const elapsed = deps.elapsed ?? (() => performance.now());
  return {
    step(step, fn) {
      return tracer.span(`step ${step}`, { 'scribe.step': step }, async () => {
        const started = elapsed();
        let outcome = 'failed';
        try {
          const result = await fn();
          outcome = 'done';
          return result;
        } finally {
          deps.metrics?.stepDuration(step, outcome, (elapsed() - started) / 1000);
        }
      });
    },
    call(step, call, attempt, fn) {
      const attributes: SpanAttributes = { 'scribe.step': step, 'scribe.retry_count': attempt - 1 };
      if (call.kind === 'llm') {
        attributes['gen_ai.system'] = 'anthropic';
        attributes['gen_ai.request.model'] = call.model;
        if (call.name) attributes['scribe.answer'] = call.name;
      }
      if (call.kind === 'page') attributes['url.host'] = hostOf(call.url);
      if (call.kind === 'exa') attributes['url.host'] = 'api.exa.ai';
      if (call.kind === 'arxiv') attributes['url.host'] = 'export.arxiv.org';
      if (call.kind === 'openalex') attributes['url.host'] = 'api.openalex.org';
      return tracer.span(SPAN_NAMES[call.kind], attributes, async (span) => {
        try {
          const result = await fn();
          if (call.kind === 'llm') span.setAttributes(billLlm(step, call.model, usageIn(result)));
          if (call.kind === 'exa') {
            // Exa's own price of the answer when it says one, else the list price of the type.
            const usd = reportedCostIn(result) ?? exaCost(deps.prices, 1, call.searchType);
            deps.meter?.exa(step, usd);
            deps.metrics?.exaSearch(usd);
            span.setAttributes({ 'scribe.cost_usd': usd });
          }
          span.setAttributes({ 'scribe.status': 'ok' });
          return result;
        } catch (err) {
          // An answer that arrived but could not be used was billed all the same.
          if (call.kind === 'llm' && err instanceof ScribeError && err.usage)
            span.setAttributes(billLlm(step, call.model, err.usage));
          span.setAttributes({
            'scribe.status': err instanceof ScribeError ? err.code : 'error',
            ...(err instanceof ScribeError && err.status !== undefined
              ? { 'http.response.status_code': err.status }
              : {}),
          });
          throw err;
        }
      });
    },
  };

  function billLlm(step: StepName, model: string, usage: LlmUsage | undefined): SpanAttributes {
    if (!usage) return {};
    deps.meter?.llm(step, model, usage);
    const cost = tokenCost(deps.prices, model, usage);
    deps.metrics?.llmCall(model, usage, cost);
    return {
      'gen_ai.usage.input_tokens': usage.inputTokens,
      'gen_ai.usage.output_tokens': usage.outputTokens,
      'gen_ai.usage.cache_read_input_tokens': usage.cacheReadInputTokens,
      'gen_ai.usage.cache_creation_input_tokens': usage.cacheCreationInputTokens,
      'scribe.cost_usd': cost,
    };
  }
}

function usageIn(result: unknown): LlmUsage | undefined {
  if (result && typeof result === 'object' && 'usage' in result) return (result as { usage: LlmUsage }).usage;
  return undefined;
}

function reportedCostIn(result: unknown): number | undefined {
  if (result && typeof result === 'object' && 'costUsd' in result) {
    const usd = (result as { costUsd: unknown }).costUsd;
    if (typeof usd === 'number' && Number.isFinite(usd) && usd >= 0) return usd;
  }
  return undefined;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'invalid';
  }
}
