/**
 * The worker the in-process batch tests run (test/bots/{slack,discord}/batch.test.ts): a
 * platform's real reporters, coalesced and with batch-table updates, over the pipeline against
 * the fake services; three at a time and polling fast so a 12-recipient batch ends within a test.
 */
import type pg from 'pg';
import type { PgBoss } from 'pg-boss';
import { withBatchUpdates, type BatchUpdatesOptions } from '../../src/jobs/batch-updates.ts';
import { coalesceProgress } from '../../src/jobs/coalesce.ts';
import type { ThreadReporter } from '../../src/thread/reporter.ts';
import { createResearchCache } from '../../src/jobs/research-cache.ts';
import { startWorker } from '../../src/jobs/worker.ts';
import type { Logger } from '../../src/log.ts';
import { createPipelineClients, type PipelineClients } from '../../src/pipeline/clients/index.ts';
import type { Services } from './services.ts';

export interface BatchWorkerOptions {
  pool: pg.Pool;
  boss: PgBoss;
  services: Services;
  logger: Logger;
  /** The platform's thread reporter (progress, result, failure). */
  reporter: ThreadReporter;
  /** The platform's batch-table reporter, by platform name. */
  batchReporters: BatchUpdatesOptions['reporters'];
}

export interface BatchWorker {
  worker: Awaited<ReturnType<typeof startWorker>>;
  clients: PipelineClients;
}

export async function startBatchWorker(options: BatchWorkerOptions): Promise<BatchWorker> {
  const { pool, boss, services, logger } = options;
  const clients = createPipelineClients(services.config(), logger, { arxivIntervalMs: 0 });
  const reporter = withBatchUpdates(coalesceProgress(options.reporter, { logger }), {
    pool,
    reporters: options.batchReporters,
    logger,
    intervalMs: 300,
  });
  const worker = await startWorker(
    {
      pool,
      reporter,
      logger,
      pipeline: {
        ...clients,
        cache: createResearchCache(pool),
        models: { fast: 'claude-haiku-5-5', writer: 'claude-sonnet-5-5' },
        researchCacheTtlMs: 24 * 3600_000,
        retry: { attempts: 2, baseMs: 10, maxMs: 20 },
      },
    },
    { boss, concurrency: 3, polling: { pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5 } },
  );
  return { worker, clients };
}
