/**
 * One side of the tracing-overhead benchmark, in its own process (bench/observe.ts starts it):
 * `node [--import src/telemetry/preload.ts] bench/observe-overhead.ts off|on <otlp endpoint>`.
 * Runs the pipeline against zero-latency fakes, every call metered and (on) traced and exported
 * over OTLP/HTTP, and prints `{"times":[ms, …]}` on stdout.
 */
import { silentLogger } from '../src/log.ts';
import { createPipelineClients } from '../src/pipeline/clients/index.ts';
import { createObserver } from '../src/pipeline/observe.ts';
import { DEFAULT_PRICES } from '../src/pipeline/prices.ts';
import { runPipeline, type PipelineDeps } from '../src/pipeline/runner.ts';
import type { PipelineData } from '../src/pipeline/types.ts';
import { createUsageMeter } from '../src/pipeline/usage.ts';
import { NO_TRACER, setTracer, type Tracer } from '../src/telemetry/tracer.ts';
import { PROFILE_TEXT } from '../test/fakes/pages.ts';
import { RECIPIENT, TEMPLATE, startServices } from '../test/helpers/services.ts';

const [mode, endpoint] = process.argv.slice(2);
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
  let tracer = NO_TRACER;
  if (mode === 'on') {
    const { createOtelTracer } = await import('../src/telemetry/otel.ts');
    tracer = await createOtelTracer({ serviceName: 'scribe-bench', endpoint });
    setTracer(tracer);
  }
  await runs(tracer, 5);
  const times = await runs(tracer, 50);
  await tracer.shutdown();
  process.stdout.write(`${JSON.stringify({ times })}\n`);
} finally {
  await clients.close();
  await services.close();
}
