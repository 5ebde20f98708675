/**
 * Worker benchmarks (issue 4, design.md section 9): enqueue-to-start latency, checkpoint write
 * cost, emails per minute at concurrency 1 and 4 with the seed latencies, idle RSS of `scribe
 * worker`, and peak PSS of a worker plus Chromium while it reads a JavaScript page.
 */
import fsSync from 'node:fs';
import fs from 'node:fs/promises';
import type pg from 'pg';
import { getGeneration, saveStep } from '../src/db/generations.ts';
import { createGeneration, type GenerationAddress as Address } from '../src/requests/commit/start.ts';
import { createResearchCache } from '../src/jobs/research-cache.ts';
import { startWorker } from '../src/jobs/worker.ts';
import { silentLogger } from '../src/log.ts';
import { createPipelineClients } from '../src/pipeline/clients/index.ts';
import { createRecordingReporter } from '../test/helpers/recording-reporter.ts';
import { startFakeSlack } from '../test/fakes/slack/index.ts';
import { cleanEnv, spawnScribe } from '../test/helpers/scribe-process.ts';
import { RECIPIENT, TEMPLATE, type Services } from '../test/helpers/services.ts';
import { SEED_MS } from './pipeline.ts';
import { workerThreads } from '../test/helpers/threads.ts';
import { processCpuMs, rssMb, treePssByKind, treePssMb } from './memory.ts';
import { openBenchWorld } from './setup.ts';
import { report, stats } from './report.ts';

const logger = silentLogger();

export async function benchWorker(adminUrl: string): Promise<void> {
  const world = await openBenchWorld(adminUrl, 'worker');
  const { url, pool, queue, services } = world;
  const user = { platform: 'slack' as const, teamId: 'T1', platformUserId: 'U-bench' };
  const enqueue = (address: Address = { channelId: 'C1', threadId: '1.1', progressMessageId: '1.1' }) =>
    createGeneration(
      { pool, boss: queue.boss, dailyQuota: 1_000_000 },
      {
        user,
        request: { template: TEMPLATE, ...RECIPIENT },
        address,
      },
    );
  const settled = async (id: string) => {
    for (;;) {
      const row = await getGeneration(pool, id);
      if (row?.status === 'succeeded' || row?.status === 'failed') return row;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const clients = createPipelineClients(services.config(), logger, { arxivIntervalMs: 0 });
  const startInProcess = (concurrency: number) =>
    startWorker(
      {
        pool,
        reporter: createRecordingReporter(pool),
        logger,
        pipeline: {
          ...clients,
          cache: createResearchCache(pool),
          models: { fast: 'f', writer: 'w' },
          researchCacheTtlMs: 0,
        },
      },
      { boss: queue.boss, concurrency },
    );

  try {
    // Enqueue to start: the job's row is committed, NOTIFY wakes the idle worker, it marks the row running.
    let worker = await startInProcess(1);
    const latencies: number[] = [];
    for (let i = 0; i < 25; i++) {
      const g = await enqueue();
      const row = await settled(g.id);
      latencies.push(row.startedAt!.getTime() - row.createdAt.getTime());
    }
    const l = stats(latencies.slice(5));
    report({
      bench: 'worker.enqueue_to_start_ms',
      ...l,
      runs: latencies.length - 5,
      target: 'p50 < 100 ms',
      met: l.p50 < 100,
    });

    // Checkpoint: one step's record written to its row.
    const g = await enqueue();
    await settled(g.id);
    const record = (await getGeneration(pool, g.id))!.steps.research!;
    const writes: number[] = [];
    for (let i = 0; i < 200; i++) {
      const t = performance.now();
      await saveStep(pool, g.id, 'research', record);
      writes.push(performance.now() - t);
    }
    report({ bench: 'worker.checkpoint_write_ms', ...stats(writes), bytes: JSON.stringify(record).length });
    await worker.stop();

    // Throughput with the seed latencies.
    services.anthropic.latencyFor.parsed_template = SEED_MS.parse;
    services.anthropic.latencyFor.email = SEED_MS.compose;
    services.exa.latencyMs = SEED_MS.research;
    services.arxiv.latencyMs = SEED_MS.arxiv;
    for (const [concurrency, count] of [
      [1, 3],
      [4, 8],
    ] as const) {
      worker = await startInProcess(concurrency);
      const started = performance.now();
      const ids = await Promise.all(Array.from({ length: count }, () => enqueue().then((x) => x.id)));
      await Promise.all(ids.map(settled));
      const minutes = (performance.now() - started) / 60_000;
      report({
        bench: `worker.emails_per_minute.concurrency_${concurrency}`,
        emails: count,
        per_minute: Math.round((count / minutes) * 10) / 10,
        seconds: Math.round(minutes * 600) / 10,
      });
      await worker.stop();
    }
    for (const key of Object.keys(services.anthropic.latencyFor)) services.anthropic.latencyFor[key] = 0;
    services.exa.latencyMs = 0;
    services.arxiv.latencyMs = 0;

    await benchIdleRss(url, services);
    await benchBrowserPss(url, services, pool, enqueue, settled);
  } finally {
    await clients.close();
    await world.close();
  }
}

/**
 * Only `worker.browser_peak_pss_mb` (`npm run bench -- worker-browser`): the memory figure without
 * the throughput runs before it, for comparing browser and V8 settings one at a time.
 */
export async function benchWorkerBrowser(adminUrl: string): Promise<void> {
  const world = await openBenchWorld(adminUrl, 'worker_browser');
  const { url, pool, queue, services } = world;
  const user = { platform: 'slack' as const, teamId: 'T1', platformUserId: 'U-bench' };
  const enqueue = (address: Address) =>
    createGeneration(
      { pool, boss: queue.boss, dailyQuota: 1_000_000 },
      { user, request: { template: TEMPLATE, ...RECIPIENT }, address },
    );
  const settled = async (id: string) => {
    for (;;) {
      const row = await getGeneration(pool, id);
      if (row?.status === 'succeeded' || row?.status === 'failed') return row;
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  try {
    await benchBrowserPss(url, services, pool, enqueue, settled);
  } finally {
    await world.close();
  }
}

/** `scribe worker` as users run it, idle, no browser: RSS after start-up settles. */
async function benchIdleRss(url: string, services: Services): Promise<void> {
  const proc = spawnScribe(['worker'], cleanEnv({ ...services.env, DATABASE_URL: url, LOG_LEVEL: 'info' }));
  await proc.waitForLog((line) => line.msg === 'scribe is running');
  await new Promise((r) => setTimeout(r, 3_000));
  const rss = rssMb(proc.child.pid!);
  proc.kill('SIGTERM');
  await proc.exited;
  report({ bench: 'worker.idle_rss_mb', rss_mb: rss, target: '< 100 MB', met: rss < 100 });
}

/**
 * `scribe worker` as users run it (src/main.ts, so boot.ts's compile cache and V8 flags apply),
 * reading a page that needs JavaScript: peak PSS of it and its Chromium. It reports to a fake
 * Slack, on a progress message posted there first, as a Slack request would have.
 */
async function benchBrowserPss(
  url: string,
  services: Services,
  pool: pg.Pool,
  enqueue: (address: Address) => Promise<{ id: string }>,
  settled: (id: string) => Promise<unknown>,
): Promise<void> {
  // The service's default browser (config.ts): the headless shell when installed.
  const chromium =
    process.env.CHROMIUM_PATH ??
    ['/usr/bin/chromium-headless-shell', '/usr/bin/chromium'].find((c) => fsSync.existsSync(c)) ??
    '/usr/bin/chromium';
  if (
    !(await fs.access(chromium).then(
      () => true,
      () => false,
    ))
  ) {
    report({ bench: 'worker.browser_peak_pss_mb', skipped: `no Chromium at ${chromium}` });
    return;
  }
  const slack = await startFakeSlack();
  const proc = spawnScribe(
    ['worker'],
    cleanEnv({
      ...services.env,
      // A diagnostic run may try V8 flags or glibc's arenas (the service sets its own unless given).
      NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS,
      MALLOC_ARENA_MAX: process.env.BENCH_MALLOC_ARENA_MAX,
      DATABASE_URL: url,
      CHROMIUM_PATH: chromium,
      SLACK_BOT_TOKEN: slack.botToken,
      SLACK_SIGNING_SECRET: slack.signingSecret,
      SLACK_API_URL: slack.apiUrl,
      LOG_LEVEL: 'info',
    }),
  );
  try {
    await proc.waitForLog((l) => l.msg === 'scribe is running' || l.level >= 50, 120_000);
    await new Promise((r) => setTimeout(r, 3_000));
    const idle = treePssMb(proc.child.pid!);
    const posted = (await (
      await fetch(`${slack.apiUrl}chat.postMessage`, {
        method: 'POST',
        headers: { authorization: `Bearer ${slack.botToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ channel: 'C0GENERAL', text: 'Researching…' }),
      })
    ).json()) as { ok: boolean; ts?: string; error?: string };
    if (!posted.ok || !posted.ts) throw new Error(`the progress message was not posted: ${posted.error}`);
    services.exa.defaults = [{ url: services.pages.page('/js-only'), title: 'Lab page', text: undefined }];
    const cpuBefore = processCpuMs(proc.child.pid!);
    const g = await enqueue({ channelId: 'C0GENERAL', threadId: posted.ts, progressMessageId: posted.ts });
    // The breakdown at the peak: where the memory goes (node: the worker's main thread and its
    // extraction thread; Chromium's processes by kind).
    let peak = { mb: 0, processes: 0, byKind: {}, ussByKind: {}, anonByKind: {}, workerThreads: 0 };
    let done = false;
    const finished = settled(g.id).then(() => (done = true));
    while (!done) {
      const now = { ...treePssByKind(proc.child.pid!), workerThreads: workerThreads(proc.child.pid!) };
      if (now.mb > peak.mb) peak = now;
      await new Promise((r) => setTimeout(r, 50));
    }
    await finished;
    const cpuMs = processCpuMs(proc.child.pid!) - cpuBefore;
    const row = await pool.query<{ status: string }>('SELECT status FROM generations WHERE id = $1', [g.id]);
    const browserLaunched = proc.logs.some((l) => l.msg === 'browser launched');
    report({
      bench: 'worker.browser_peak_pss_mb',
      process: 'scribe worker',
      worker_idle_pss_mb: idle.mb,
      peak_pss_mb: peak.mb,
      processes_at_peak: peak.processes,
      pss_mb_at_peak: peak.byKind,
      // PSS and USS move with the other processes on the box (see memory.ts); anonymous memory
      // (heaps) is each process's own.
      uss_mb_at_peak: peak.ussByKind,
      anon_mb_at_peak: peak.anonByKind,
      node_worker_threads_at_peak: peak.workerThreads,
      // The worker's own CPU (all its threads, not Chromium's) for the generation: what a memory
      // setting costs in time.
      worker_cpu_ms: cpuMs,
      generation: row.rows[0]?.status,
      browser_launched: browserLaunched,
      browser: chromium,
      target: '< 300 MB (issue 24; was < 350)',
      met: browserLaunched && peak.mb > 0 && peak.mb < 300,
    });
  } finally {
    proc.kill('SIGTERM');
    await proc.exited;
    await slack.close();
  }
}
