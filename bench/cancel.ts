/**
 * Cancel of a running generation (issue 11): from the cancel's commit (row `cancelled` + NOTIFY)
 * to the worker having stopped its work and said "Cancelled" — measured while the worker is in the
 * middle of writing the email (a 10 s compose call in flight), 20 runs. Target p99 < 1 s.
 */
import { getGeneration } from '../src/db/generations.ts';
import { withTransaction } from '../src/db/pool.ts';
import { startCancelBus } from '../src/jobs/cancel-bus.ts';
import { commitCancel } from '../src/requests/commit/steer.ts';
import { createGeneration } from '../src/requests/commit/start.ts';
import type { ThreadReporter } from '../src/thread/reporter.ts';
import { startWorker } from '../src/jobs/worker.ts';
import { silentLogger } from '../src/log.ts';
import { createPipelineClients } from '../src/pipeline/clients/index.ts';
import { createRecordingReporter } from '../test/helpers/recording-reporter.ts';
import { RECIPIENT, TEMPLATE } from '../test/helpers/services.ts';
import { openBenchWorld } from './setup.ts';
import { report, stats } from './report.ts';

const logger = silentLogger();
const RUNS = 20;

export async function benchCancel(adminUrl: string): Promise<void> {
  const world = await openBenchWorld(adminUrl, 'cancel');
  const { url, pool, queue, services } = world;
  services.anthropic.latencyFor.email = 10_000;
  const bus = await startCancelBus({ connectionString: url, logger });
  const stopped = new Map<string, () => void>();
  const recording = createRecordingReporter(pool);
  const reporter: ThreadReporter = {
    ...recording,
    async progress(address, view) {
      if (view.status === 'cancelled') stopped.get(address.generationId)?.();
      await recording.progress(address, view);
    },
  };
  const clients = createPipelineClients(services.config(), logger, { arxivIntervalMs: 0 });
  const worker = await startWorker(
    {
      pool,
      reporter,
      logger,
      cancelBus: bus,
      pipeline: { ...clients, models: { fast: 'f', writer: 'w' }, researchCacheTtlMs: 0 },
    },
    { boss: queue.boss, concurrency: 1 },
  );
  const times: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      const g = await createGeneration(
        { pool, boss: queue.boss, dailyQuota: 1_000_000 },
        {
          user: { platform: 'slack', teamId: 'T1', platformUserId: 'U-bench-cancel' },
          request: { template: TEMPLATE, ...RECIPIENT },
          address: { channelId: 'C1', threadId: '1.1', progressMessageId: `1.${i}` },
        },
      );
      // Wait until the email is being written (steps 1–3 saved, the compose call in flight).
      for (;;) {
        const row = await getGeneration(pool, g.id);
        if (row?.steps.research && row.steps.arxiv && services.anthropic.callsFor('email').length > i) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      const done = new Promise<void>((resolve) => stopped.set(g.id, resolve));
      const t = performance.now();
      await withTransaction(pool, (tx) => commitCancel(queue.boss, tx, g.id, null));
      await done;
      times.push(performance.now() - t);
    }
    const s = stats(times);
    report({ bench: 'worker.cancel_running_ms', ...s, runs: RUNS, target: 'p99 < 1000 ms', met: s.p99 < 1000 });
  } finally {
    await worker.stop(5_000);
    await bus.stop();
    await world.close();
  }
}
