/**
 * The worker's composition: pipeline clients, the platform reporters (REST/Web API only, no
 * gateway), progress coalescing, and the pg-boss subscription. Used by `scribe worker` and by
 * `scribe start`.
 */
import type pg from 'pg';
import type { PgBoss } from 'pg-boss';
import { secretsOf, type Config } from '../config.ts';
import type { Lifecycle } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import { routeByPlatform, type PlatformReporters } from '../bots/router.ts';
import { coalesceProgress } from '../jobs/coalesce.ts';
import { createResearchCache } from '../jobs/research-cache.ts';
import { startWorker } from '../jobs/worker.ts';
import { createPipelineClients } from '../pipeline/clients/index.ts';
import { NO_METRICS, type Metrics } from '../telemetry/metrics.ts';

export interface WorkerParts {
  config: Config;
  logger: Logger;
  lifecycle: Lifecycle;
  pool: pg.Pool;
  boss: PgBoss;
  reporters: PlatformReporters;
  /** Counters (a process serving /metrics); default: none. */
  metrics?: Metrics | undefined;
  /** How long running jobs may take to finish on shutdown before they are aborted. */
  drainTimeoutMs?: number;
}

export async function composeWorker(parts: WorkerParts): Promise<void> {
  const { config, logger, lifecycle } = parts;
  const clients = createPipelineClients(config, logger);
  lifecycle.add('pipeline clients', () => clients.close());
  const reporter = coalesceProgress(routeByPlatform(parts.reporters), { logger });
  const worker = await startWorker(
    {
      pool: parts.pool,
      reporter,
      logger,
      secrets: secretsOf(config),
      observability: { prices: config.prices, metrics: parts.metrics ?? NO_METRICS },
      pipeline: {
        llm: clients.llm,
        search: clients.search,
        papers: clients.papers,
        pages: clients.pages,
        cache: createResearchCache(parts.pool),
        models: { fast: config.anthropic.fastModel, writer: config.anthropic.writerModel },
        researchCacheTtlMs: config.researchCacheTtlMs,
      },
    },
    { boss: parts.boss, concurrency: config.workerConcurrency },
  );
  const drainMs = parts.drainTimeoutMs ?? 60_000;
  lifecycle.add('worker', () => worker.stop(drainMs), drainMs + 10_000);
}
