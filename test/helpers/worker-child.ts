/**
 * A worker process for the crash and scale tests: the real worker, queue, pipeline clients (env →
 * the fakes) and the recording reporter, with crash points a test can ask for:
 * - TEST_CRASH_AT=after-post: SIGKILL right after the result was posted, before its ids are saved;
 * - TEST_CRASH_AT=after-ids: SIGKILL right after the result's ids were saved, before `succeeded`.
 * TEST_TUNING_JSON overrides queue tuning (e.g. a long retry delay, to show a reclaim skips it).
 * Like `scribe worker`, it reclaims stale jobs and fences its reporter to the attempt it runs.
 */
import type pg from 'pg';
import { loadConfig } from '../../src/config.ts';
import { createPool } from '../../src/db/pool.ts';
import { startQueue } from '../../src/jobs/queue.ts';
import { fenceReporter, startReclaimer, trackClaims } from '../../src/jobs/reclaim.ts';
import { createResearchCache } from '../../src/jobs/research-cache.ts';
import { startWorker } from '../../src/jobs/worker.ts';
import { createLogger } from '../../src/log.ts';
import { createPipelineClients } from '../../src/pipeline/clients/index.ts';
import { createRecordingReporter } from './recording-reporter.ts';

import { TEST_TUNING } from './tuning.ts';

const config = loadConfig(process.env);
const url = config.databaseUrl;
if (!url) throw new Error('worker-child needs DATABASE_URL');
const logger = createLogger({ level: 'info', name: process.env.TEST_WORKER_NAME ?? 'worker' });
const pool = createPool({ connectionString: url, logger, max: 4 });
const crashAt = process.env.TEST_CRASH_AT;
const die = () => process.kill(process.pid, 'SIGKILL');

// For `after-ids`: the worker's pool, which dies once the result's message ids are saved.
const workerPool: pg.Pool =
  crashAt === 'after-ids'
    ? new Proxy(pool, {
        get(target, prop, receiver) {
          if (prop !== 'query') return Reflect.get(target, prop, receiver);
          return async (...args: Parameters<pg.Pool['query']>) => {
            // `query` is overloaded; the worker only ever calls it as (text, values).
            const result = await (target.query as (...a: unknown[]) => Promise<unknown>)(...args);
            if (String(args[0]).includes('SET result_message_ids')) die();
            return result;
          };
        },
      })
    : pool;

const tuning = { ...TEST_TUNING, ...(JSON.parse(process.env.TEST_TUNING_JSON ?? '{}') as object) };
const queue = await startQueue({ connectionString: url, logger, monitorIntervalSeconds: 1, tuning });
const claims = trackClaims(queue.boss, pool);
const reclaimer = startReclaimer({ boss: queue.boss, db: pool, logger, claims, intervalMs: 1_000 });
const clients = createPipelineClients(config, logger, { arxivIntervalMs: 0 });
const worker = await startWorker(
  {
    pool: workerPool,
    reporter: fenceReporter(
      createRecordingReporter(pool, { afterResultPosted: crashAt === 'after-post' ? die : undefined }),
      claims,
      logger,
    ),
    logger,
    pipeline: {
      ...clients,
      cache: createResearchCache(pool),
      models: { fast: config.anthropic.fastModel, writer: config.anthropic.writerModel },
      researchCacheTtlMs: 0,
      retry: { baseMs: 10, maxMs: 50 },
    },
  },
  {
    boss: claims.boss,
    concurrency: config.workerConcurrency,
    polling: { pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5 },
  },
);
logger.info({ event: 'worker.started' }, 'test worker ready');

process.once('SIGTERM', () => {
  void (async () => {
    await worker.stop(5_000);
    await reclaimer.stop();
    await queue.stop({ timeoutMs: 5_000 });
    await clients.close();
    await pool.end();
    logger.flush(() => process.exit(0));
  })();
});
