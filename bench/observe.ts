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
import { startFakeHttp } from '../test/fakes/http.ts';
import { cleanEnv, ROOT, spawnNode } from '../test/helpers/scribe-process.ts';
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

/**
 * Each side in a fresh process, as the service runs it: tracing off with nothing of OpenTelemetry
 * loaded, tracing on with `src/telemetry/preload.ts` preloaded (the loader hook and the http and
 * pg instrumentations, as boot.ts starts a traced `scribe`), then the SDK started.
 */
async function overhead(endpoint: string): Promise<void> {
  const script = path.join(ROOT, 'bench/observe-overhead.ts');
  const run = async (mode: 'off' | 'on') => {
    const preload = mode === 'on' ? ['--import', path.join(ROOT, 'src/telemetry/preload.ts')] : [];
    const child = spawnNode([...preload, script, mode, endpoint], cleanEnv({ LOG_LEVEL: 'silent' }));
    const code = await child.exited;
    const line = child.stdout.find((l) => l.startsWith('{"times"'));
    if (code !== 0 || !line) throw new Error(`observe overhead (${mode}) failed: ${child.output.join('\n')}`);
    return stats((JSON.parse(line) as { times: number[] }).times);
  };
  const off = await run('off');
  const on = await run('on');
  const added = Math.round((on.p50 - off.p50) * 100) / 100;
  report({ bench: 'observe.pipeline_overhead_tracing_off_ms', ...off, runs: 50 });
  report({ bench: 'observe.pipeline_overhead_tracing_on_ms', ...on, runs: 50, preload: true });
  report({ bench: 'observe.tracing_added_p50_ms', added, target: '< 5 ms', met: added < 5 });
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
