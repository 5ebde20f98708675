/**
 * `GET /metrics` in Prometheus's text format, on prom-client: queue depth by state (read from
 * pg-boss's job table at scrape time, at most once per `PROBE_CACHE_MS`), generations by outcome, step durations, LLM tokens, calls
 * and cost by model, Exa searches, chat API calls by platform and outcome (errors, 429s), feedback
 * (👍/👎) by value and platform, and
 * prom-client's default process metrics (memory, CPU, event loop lag, GC).
 *
 * prom-client is imported when a process creates its metrics (the processes that serve HTTP), not
 * by anything a bare `scribe worker` loads. The route is served on the loopback `METRICS_PORT`
 * only, never on the public port (`src/commands/http.ts`).
 */
import type { Db } from '../db/pool.ts';
import { BOSS_SCHEMA, QUEUES } from '../jobs/queue.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import { cachedFor, PROBE_CACHE_MS } from './cached.ts';
import type { Route } from './server.ts';

export const METRICS_PATH = '/metrics';

export interface PromMetrics {
  metrics: Metrics;
  route: Route;
  /** The exposition text, as the route serves it. */
  text(): Promise<string>;
}

/** The queue's jobs by state: queued, active and retry on the generate queue; dead-lettered on its dead-letter queue. */
export async function queueDepth(db: Db): Promise<Record<'queued' | 'active' | 'retry' | 'dead_lettered', number>> {
  const { rows } = await db.query<{ name: string; state: string; n: number }>(
    `SELECT name, state::text, count(*)::int AS n FROM ${BOSS_SCHEMA}.job
     WHERE name IN ($1, $2) AND state IN ('created', 'retry', 'active') GROUP BY 1, 2`,
    [QUEUES.generate, QUEUES.generateDead],
  );
  const depth = { queued: 0, active: 0, retry: 0, dead_lettered: 0 };
  for (const r of rows) {
    if (r.name === QUEUES.generateDead) depth.dead_lettered += r.n;
    else if (r.state === 'created') depth.queued += r.n;
    else if (r.state === 'active') depth.active += r.n;
    else if (r.state === 'retry') depth.retry += r.n;
  }
  return depth;
}

export interface PromMetricsOptions {
  db: Db;
  /** How long the queue depth is reused between scrapes (default `PROBE_CACHE_MS`). */
  queueCacheMs?: number;
  /** The clock of that cache (tests). */
  now?: () => number;
}

export async function createPromMetrics(options: PromMetricsOptions): Promise<PromMetrics> {
  const prom = await import('prom-client');
  const depthOf = cachedFor(options.queueCacheMs ?? PROBE_CACHE_MS, () => queueDepth(options.db), options.now);
  const register = new prom.Registry();
  prom.collectDefaultMetrics({ register });

  new prom.Gauge({
    name: 'scribe_queue_jobs',
    help: 'Generate jobs by state (queued, active, retry, dead_lettered), read at scrape time (at most every few seconds).',
    labelNames: ['state'],
    registers: [register],
    async collect() {
      const depth = await depthOf();
      for (const [state, n] of Object.entries(depth)) this.set({ state }, n);
    },
  });
  const generations = new prom.Counter({
    name: 'scribe_generations_total',
    help: 'Generation tries by outcome (succeeded, failed, retry, skipped).',
    labelNames: ['outcome'],
    registers: [register],
  });
  const steps = new prom.Histogram({
    name: 'scribe_step_duration_seconds',
    help: 'Pipeline steps that ran (not reused), by step and outcome.',
    labelNames: ['step', 'outcome'],
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 40, 80],
    registers: [register],
  });
  const llmCalls = new prom.Counter({
    name: 'scribe_llm_calls_total',
    help: 'Billed LLM answers (used or not), by model.',
    labelNames: ['model'],
    registers: [register],
  });
  const tokens = new prom.Counter({
    name: 'scribe_llm_tokens_total',
    help: 'LLM tokens by model and kind (input, output, cache_read, cache_write).',
    labelNames: ['model', 'kind'],
    registers: [register],
  });
  const cost = new prom.Counter({
    name: 'scribe_cost_usd_total',
    help: 'Cost at the price table, by service (anthropic, exa) and model.',
    labelNames: ['service', 'model'],
    registers: [register],
  });
  const exa = new prom.Counter({
    name: 'scribe_exa_searches_total',
    help: 'Exa searches that answered.',
    registers: [register],
  });
  const chat = new prom.Counter({
    name: 'scribe_chat_api_requests_total',
    help: 'Chat API calls by platform and outcome (ok, error, rate_limited).',
    labelNames: ['platform', 'outcome'],
    registers: [register],
  });
  const feedback = new prom.Counter({
    name: 'scribe_feedback_total',
    help: 'Feedback on versions stored by this process (a new 👍/👎, or a change to the other), by value (up, down) and platform.',
    labelNames: ['value', 'platform'],
    registers: [register],
  });

  const metrics: Metrics = {
    stepDuration: (step, outcome, seconds) => steps.observe({ step, outcome }, seconds),
    llmCall(model, usage, usd) {
      llmCalls.inc({ model });
      tokens.inc({ model, kind: 'input' }, usage.inputTokens);
      tokens.inc({ model, kind: 'output' }, usage.outputTokens);
      tokens.inc({ model, kind: 'cache_read' }, usage.cacheReadInputTokens);
      tokens.inc({ model, kind: 'cache_write' }, usage.cacheCreationInputTokens);
      if (usd !== undefined) cost.inc({ service: 'anthropic', model }, usd);
    },
    exaSearch(usd) {
      exa.inc();
      cost.inc({ service: 'exa', model: '' }, usd);
    },
    generation: (outcome) => generations.inc({ outcome }),
    chatCall: (platform, outcome) => chat.inc({ platform, outcome }),
    feedback: (value, platform) => feedback.inc({ value, platform }),
  };
  const text = () => register.metrics();
  return {
    metrics,
    text,
    route: {
      method: 'GET',
      path: METRICS_PATH,
      async handler(_req, res) {
        const body = await text();
        res.writeHead(200, { 'content-type': register.contentType, 'content-length': Buffer.byteLength(body) });
        res.end(body);
      },
    },
  };
}
