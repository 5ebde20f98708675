/**
 * Observability benchmarks (issue 13):
 * - the pipeline's overhead per email with tracing on vs off, zero-latency fakes, every call
 *   metered and (on) traced and exported over OTLP/HTTP to a local receiver (target: < 5 ms added
 *   at p50);
 * - idle `scribe worker` RSS: tracing off (the baseline), tracing on, and the marginal cost of
 *   prom-client with Scribe's metrics loaded into it.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { silentLogger } from '../src/log.ts';
import { createPipelineClients } from '../src/pipeline/clients/index.ts';
import { createObserver } from '../src/pipeline/observe.ts';
import { DEFAULT_PRICES } from '../src/pipeline/prices.ts';
import { runPipeline, type PipelineDeps } from '../src/pipeline/runner.ts';
import type { PipelineData } from '../src/pipeline/types.ts';
import { createUsageMeter } from '../src/pipeline/usage.ts';
import { NO_TRACER, setTracer, type Tracer } from '../src/telemetry/tracer.ts';
import { startFakeHttp } from '../test/fakes/http.ts';
import { PROFILE_TEXT } from '../test/fakes/pages.ts';
import { cleanEnv, ROOT, spawnNode } from '../test/helpers/scribe-process.ts';
import { RECIPIENT, TEMPLATE, startServices } from '../test/helpers/services.ts';
import { report, stats } from './report.ts';

export async function benchObserve(databaseUrl: string): Promise<void> {
  const collector = await startFakeHttp((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  try {
    await overhead(collector.url);
    await idleMemory(databaseUrl, collector.url);
  } finally {
    await collector.close();
  }
}

async function overhead(endpoint: string): Promise<void> {
  const services = await startServices();
  services.exa.defaults = [
    { url: 'https://uni.example/~ada', title: 'Ada Lovelace — University of London', text: PROFILE_TEXT },
    { url: 'https://uni.example/~ada/papers', title: 'Ada Lovelace — papers', text: PROFILE_TEXT },
  ];
  const logger = silentLogger();
  const clients = createPipelineClients(services.config(), logger, { arxivIntervalMs: 0 });
  const deps: PipelineDeps = {
    ...clients,
    models: { fast: 'claude-haiku-5-5', writer: 'claude-sonnet-5-5' },
    researchCacheTtlMs: 0,
    logger,
  };
  const fresh = (): PipelineData => ({ input: { template: TEMPLATE, ...RECIPIENT }, steps: {} });
  const runs = async (tracer: Tracer, n: number) => {
    const times: number[] = [];
    for (let i = 0; i < n; i++) {
      const observer = createObserver({ meter: createUsageMeter(), prices: DEFAULT_PRICES, tracer });
      const t = performance.now();
      await tracer.span('generation', {}, () => runPipeline(fresh(), deps, { observer }));
      times.push(performance.now() - t);
    }
    return times;
  };
  try {
    await runs(NO_TRACER, 5);
    const off = stats(await runs(NO_TRACER, 50));
    const { createOtelTracer } = await import('../src/telemetry/otel.ts');
    const tracer = await createOtelTracer({ serviceName: 'scribe-bench', endpoint });
    setTracer(tracer);
    await runs(tracer, 5);
    const on = stats(await runs(tracer, 50));
    await tracer.shutdown();
    setTracer(NO_TRACER);
    const added = Math.round((on.p50 - off.p50) * 100) / 100;
    report({ bench: 'observe.pipeline_overhead_tracing_off_ms', ...off, runs: 50 });
    report({ bench: 'observe.pipeline_overhead_tracing_on_ms', ...on, runs: 50 });
    report({ bench: 'observe.tracing_added_p50_ms', added, target: '< 5 ms', met: added < 5 });
  } finally {
    await clients.close();
    await services.close();
  }
}

async function idleRss(databaseUrl: string, extra: Record<string, string>): Promise<number> {
  const out = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'scribe-rss-')), 'rss');
  const worker = spawnNode(
    ['--expose-gc', '--import', path.join(ROOT, 'bench/rss-probe.ts'), path.join(ROOT, 'src/main.ts'), 'worker'],
    cleanEnv({ DATABASE_URL: databaseUrl, LOG_LEVEL: 'info', PROBE_OUT: out, ...extra }),
  );
  try {
    await worker.waitForLog((l) => l.msg === 'scribe is running', 60_000);
    await new Promise((r) => setTimeout(r, 2_000)); // settle: the sweeper's first pass, pools opened
    worker.kill('SIGUSR2');
    for (let i = 0; i < 100; i++) {
      const text = await fs.readFile(out, 'utf8').catch(() => '');
      if (text) return Math.round((Number(text) / 1024 / 1024) * 10) / 10;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('the worker did not report its RSS');
  } finally {
    worker.kill('SIGTERM');
    await worker.exited;
  }
}

async function idleMemory(databaseUrl: string, endpoint: string): Promise<void> {
  const samples = async (extra: Record<string, string>) => {
    const values: number[] = [];
    for (let i = 0; i < 3; i++) values.push(await idleRss(databaseUrl, extra));
    return stats(values).p50;
  };
  const off = await samples({});
  const on = await samples({ OTEL_EXPORTER_OTLP_ENDPOINT: endpoint });
  const prom = await samples({ PROBE_LOAD_PROM: '1' });
  report({ bench: 'observe.idle_worker_rss_mb', tracing_off: off, tracing_on: on, tracing_on_added: round(on - off) });
  report({ bench: 'observe.prom_client_marginal_rss_mb', without: off, with: prom, added: round(prom - off) });
}

const round = (n: number) => Math.round(n * 10) / 10;
