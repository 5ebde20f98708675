/**
 * The worker's composition: pipeline clients, the platform reporters (REST/Web API only, no
 * gateway), progress coalescing, and the pg-boss subscription. Used by `scribe worker` and by
 * `scribe start`.
 */
import type pg from 'pg';
import type { PgBoss } from 'pg-boss';
import { formatMemory, secretsOf, type Config } from '../config.ts';
import type { Lifecycle } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import { routeByPlatform, type PlatformReporters } from '../bots/router.ts';
import { startCancelBus } from '../jobs/cancel-bus.ts';
import { withBatchUpdates } from '../jobs/batch-updates.ts';
import type { PlatformBatchReporters } from '../thread/batch-reporter.ts';
import { coalesceProgress } from '../jobs/coalesce.ts';
import { fenceReporter, startReclaimer, trackClaims } from '../jobs/reclaim.ts';
import { platformBatchReporters } from './batch-reporters.ts';
import { createResearchCache } from '../jobs/research-cache.ts';
import { startWorker } from '../jobs/worker.ts';
import { startFollowUpWorker } from '../jobs/follow-up.ts';
import { createPipelineClients } from '../pipeline/clients/index.ts';
import { pipelineClientOptions } from './common.ts';
import { NO_METRICS, type Metrics } from '../telemetry/metrics.ts';

export interface WorkerParts {
  config: Config;
  logger: Logger;
  lifecycle: Lifecycle;
  pool: pg.Pool;
  boss: PgBoss;
  reporters: PlatformReporters;
  /** The database's URL, for the cancel bus's LISTEN connection. */
  connectionString: string;
  /** Counters (a process serving /metrics); default: none. */
  metrics?: Metrics | undefined;
  /** The batch tables' editors; default: one per configured platform. */
  batchReporters?: PlatformBatchReporters;
  /** How long running jobs may take to finish on shutdown before they are aborted. */
  drainTimeoutMs?: number;
  /**
   * Import the pipeline's libraries before taking jobs (`PipelineClients.preload`): set in a
   * process that also answers chat, so the first generation's imports never hold its acks.
   */
  preloadClients?: boolean;
  /**
   * Waited on by the pipeline around each call to an outside service (`PipelineDeps.yieldTo`):
   * in a process that also answers chat, its acks go before the generations' work.
   */
  yieldTo?: (() => Promise<void>) | undefined;
}

export async function composeWorker(parts: WorkerParts): Promise<void> {
  const { config, logger, lifecycle } = parts;
  const clients = createPipelineClients(pipelineClientOptions(config), logger);
  lifecycle.add('pipeline clients', () => clients.close());
  if (parts.preloadClients) {
    const started = performance.now();
    const libraries = await clients.preload();
    logger.info(
      { event: 'worker.clients_preloaded', libraries, ms: Math.round(performance.now() - started) },
      `pipeline libraries loaded before taking requests (${libraries.join(', ') || 'none configured'})`,
    );
  }
  // Outermost, so an attempt that lost its job is stopped before anything is coalesced or sent;
  // batch rows' state changes also edit their batch's table (coalesced per batch).
  const claims = trackClaims(parts.boss, parts.pool);
  const batched = withBatchUpdates(coalesceProgress(routeByPlatform(parts.reporters), { logger }), {
    pool: parts.pool,
    reporters: parts.batchReporters ?? (await platformBatchReporters(config, logger)),
    logger,
  });
  lifecycle.add('batch tables', () => batched.flushBatches());
  const reporter = fenceReporter(batched, claims, logger);
  const reclaimer = startReclaimer({ boss: parts.boss, db: parts.pool, logger, claims });
  lifecycle.add('reclaimer', () => reclaimer.stop());
  const cancelBus = await startCancelBus({ connectionString: parts.connectionString, logger });
  lifecycle.add('cancel bus', () => cancelBus.stop());
  const from = config.workerConcurrencyFrom;
  logger.info(
    {
      event: 'worker.concurrency_chosen',
      concurrency: config.workerConcurrency,
      browserPages: config.browserPages,
      ...from,
    },
    'variable' in from
      ? `concurrency ${config.workerConcurrency} (WORKER_CONCURRENCY)`
      : `concurrency ${config.workerConcurrency} (from ${formatMemory(from.memoryBytes)} of memory)`,
  );
  const worker = await startWorker(
    {
      pool: parts.pool,
      reporter,
      logger,
      secrets: secretsOf(config),
      cancelBus,
      observability: { prices: config.prices, metrics: parts.metrics ?? NO_METRICS },
      dailyBudgetUsd: config.dailyBudgetUsd,
      pipeline: {
        llm: clients.llm,
        search: clients.search,
        papers: clients.papers,
        pages: clients.pages,
        directory: clients.directory,
        cache: createResearchCache(parts.pool),
        models: { fast: config.anthropic.fastModel, writer: config.anthropic.writerModel },
        researchCacheTtlMs: config.researchCacheTtlMs,
        pagesDeadlineMs: config.researchPagesDeadlineMs,
        yieldTo: parts.yieldTo,
      },
    },
    { boss: claims.boss, concurrency: config.workerConcurrency },
  );
  // Follow-up reminders (issue 22, item 4): posted straight through the platforms' reporters (no
  // progress to coalesce, no batch table, no generation job to fence).
  const followUps = await startFollowUpWorker(parts.boss, {
    pool: parts.pool,
    reporter: routeByPlatform(parts.reporters),
    llm: clients.llm,
    model: config.anthropic.fastModel,
    prices: config.prices,
    dailyQuota: config.dailyQuota,
    dailyBudgetUsd: config.dailyBudgetUsd,
    logger,
  });
  lifecycle.add('follow-up worker', () => followUps.stop());
  const drainMs = parts.drainTimeoutMs ?? 60_000;
  lifecycle.add('worker', () => worker.stop(drainMs), drainMs + 10_000);
}
