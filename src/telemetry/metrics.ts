/**
 * What the pipeline, the worker and the chat clients count, as an interface: `src/http/metrics.ts`
 * implements it on prom-client (loaded only by processes that serve `/metrics`), and tests or
 * processes without it pass `NO_METRICS`.
 */
import type { LlmUsage } from '../pipeline/ports.ts';

export type ChatCallOutcome = 'ok' | 'error' | 'rate_limited';

export interface Metrics {
  /** A step ran (fresh, not reused) and ended `done` or `failed`. */
  stepDuration(step: string, outcome: string, seconds: number): void;
  /** One billed LLM answer; `costUsd` undefined when the model has no price. */
  llmCall(model: string, usage: LlmUsage, costUsd: number | undefined): void;
  /** One Exa search that answered. */
  exaSearch(costUsd: number): void;
  /** A generation job ended a try with this outcome (succeeded, failed, retry, skipped). */
  generation(outcome: string): void;
  /** One chat API call (Slack Web API, Discord REST) and how it went. */
  chatCall(platform: string, outcome: ChatCallOutcome): void;
  /** A person's 👍 (`up`) or 👎 (`down`) on a version was stored (new, or changed from the other). */
  feedback(value: 'up' | 'down', platform: string): void;
}

export const NO_METRICS: Metrics = {
  stepDuration: () => undefined,
  llmCall: () => undefined,
  exaSearch: () => undefined,
  generation: () => undefined,
  chatCall: () => undefined,
  feedback: () => undefined,
};
