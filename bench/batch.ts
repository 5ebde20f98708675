/**
 * Batch benchmark (issue 12): a batch of 50 recipients with the seed step latencies on one worker
 * at concurrency 4 — wall time, emails per minute (target ≥ 24, the seed's Pi-5 figure) and the
 * parent message's edits per minute with the default coalescing (must stay under Slack's
 * chat.update tier, about 50 a minute).
 */
import { batchRows } from '../src/db/batches.ts';
import { createBatch } from '../src/requests/commit/batch.ts';
import { withBatchUpdates } from '../src/jobs/batch-updates.ts';
import { createResearchCache } from '../src/jobs/research-cache.ts';
import { startWorker } from '../src/jobs/worker.ts';
import { silentLogger } from '../src/log.ts';
import { createPipelineClients } from '../src/pipeline/clients/index.ts';
import { createRecordingReporter } from '../test/helpers/recording-reporter.ts';
import { TEMPLATE } from '../test/helpers/services.ts';
import { SEED_MS } from './pipeline.ts';
import { openBenchWorld } from './setup.ts';
import { report } from './report.ts';

const logger = silentLogger();
const SIZE = 50;
const CONCURRENCY = 4;

export async function benchBatch(adminUrl: string): Promise<void> {
  const world = await openBenchWorld(adminUrl, 'batch');
  const { pool, queue, services } = world;
  services.anthropic.latencyFor.parsed_template = SEED_MS.parse;
  services.anthropic.latencyFor.email = SEED_MS.compose;
  services.exa.latencyMs = SEED_MS.research;
  services.arxiv.latencyMs = SEED_MS.arxiv;
  const clients = createPipelineClients(services.config(), logger, { arxivIntervalMs: 0 });
  const editTimes: number[] = [];
  const reporter = withBatchUpdates(createRecordingReporter(pool), {
    pool,
    reporters: { slack: { batchProgress: async () => void editTimes.push(performance.now()) } },
    logger,
  });
  const worker = await startWorker(
    {
      pool,
      reporter,
      logger,
      pipeline: {
        ...clients,
        cache: createResearchCache(pool),
        models: { fast: 'f', writer: 'w' },
        researchCacheTtlMs: 0,
      },
    },
    { boss: queue.boss, concurrency: CONCURRENCY },
  );
  try {
    const recipients = Array.from({ length: SIZE }, (_, i) => `Researcher ${i + 1} | topic ${i + 1}`).join('\n');
    const started = performance.now();
    const { batch } = await createBatch(
      { pool, boss: queue.boss, dailyQuota: 1_000, batchMax: SIZE },
      {
        user: { platform: 'slack', teamId: 'T1', platformUserId: 'U-bench-batch' },
        template: TEMPLATE,
        recipients,
        address: { channelId: 'C1', threadId: '1.1', parentMessageId: '1.1' },
      },
    );
    for (;;) {
      const rows = await batchRows(pool, batch.id);
      if (rows.every((r) => r.status === 'succeeded' || r.status === 'failed')) {
        const failed = rows.filter((r) => r.status === 'failed').length;
        await reporter.flushBatches();
        const minutes = (performance.now() - started) / 60_000;
        const perMinute = (SIZE - failed) / minutes;
        // 50 rows on 4 slots is 13 rounds, the last with 2: the bound is 50 / (13 × critical path).
        // The steady rate leaves that tail out: emails done by the time the last full round ends.
        const ends = rows.map((r) => r.finishedAt!.getTime()).sort((a, b) => a - b);
        const full = Math.floor(SIZE / CONCURRENCY) * CONCURRENCY;
        const steadyMinutes = (ends[full - 1]! - batch.createdAt.getTime()) / 60_000;
        const criticalS = (SEED_MS.parse + Math.max(SEED_MS.research, SEED_MS.arxiv) + SEED_MS.compose) / 1000;
        const bound = SIZE / ((Math.ceil(SIZE / CONCURRENCY) * criticalS) / 60);
        // Edits per minute over the busiest minute-long window, and on average.
        let busiest = 0;
        for (const t of editTimes)
          busiest = Math.max(busiest, editTimes.filter((u) => u >= t && u < t + 60_000).length);
        report({
          bench: 'batch.50_recipients.concurrency_4',
          emails: SIZE,
          failed,
          seconds: Math.round(minutes * 600) / 10,
          per_minute: Math.round(perMinute * 10) / 10,
          per_minute_steady: Math.round((full / steadyMinutes) * 10) / 10,
          per_minute_bound: Math.round(bound * 10) / 10,
          target: '≥ 24 emails/min (steady)',
          met: full / steadyMinutes >= 24,
        });
        report({
          bench: 'batch.parent_edits_per_minute',
          edits: editTimes.length,
          per_minute_mean: Math.round((editTimes.length / minutes) * 10) / 10,
          per_minute_busiest: busiest,
          target: '< 50 chat.update per minute',
          met: busiest < 50,
        });
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await worker.stop();
    await clients.close();
    await world.close();
  }
}
