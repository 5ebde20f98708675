/**
 * Slow pages (issue 24, item 4): the end-to-end time of one email with the seed step latencies
 * (bench/pipeline.ts) when two of the five search results are slow — an endless stream, and a
 * JavaScript page whose blocking script never answers, which in the browser takes the whole
 * per-page timeout (15 s) — against the critical path parse + max(research, arXiv) + compose.
 * Target: p50 ≤ critical path + 3 s. The real clients and the shared browser, the pages deadline
 * from the config (`RESEARCH_PAGES_DEADLINE`, default 2.5 s). One run first warms the worker (the
 * extraction thread and the browser started, as in a worker that has read a page before), and one
 * run without the deadline shows what it saves.
 */
import { DEFAULTS } from '../src/config.ts';
import { silentLogger } from '../src/log.ts';
import { createPipelineClients } from '../src/pipeline/clients/index.ts';
import { runPipeline, type PipelineDeps } from '../src/pipeline/runner.ts';
import type { PipelineData } from '../src/pipeline/types.ts';
import { PROFILE_TEXT } from '../test/fakes/pages.ts';
import { RECIPIENT, TEMPLATE, startServices } from '../test/helpers/services.ts';
import { SEED_MS } from './pipeline.ts';
import { report, stats } from './report.ts';

const RUNS = 5;

export async function benchSlowPages(): Promise<void> {
  const services = await startServices();
  // The default deadline (the test services set a long one).
  const config = services.config({ RESEARCH_PAGES_DEADLINE: DEFAULTS.researchPagesDeadline });
  if (!config.chromiumPath) throw new Error('slow-pages: no Chromium (set CHROMIUM_PATH)');
  const page = (path: string, title: string) => ({ url: services.pages.page(path), title, text: undefined });
  // The slow pages first, where they would hold back reads taken in order.
  services.exa.defaults = [
    page('/trickle', 'Ada Lovelace — an endless page'),
    page('/js-stall', 'Ada Lovelace — a stalled lab page'),
    { url: 'https://uni.example/~ada', title: 'Ada Lovelace — University of London', text: PROFILE_TEXT },
    page('/profile', 'Ada Lovelace — profile'),
    page('/text', 'Ada Lovelace — CV'),
  ];
  const logger = silentLogger();
  const clients = createPipelineClients(config, logger, { arxivIntervalMs: 0 });
  const deps: PipelineDeps = {
    ...clients,
    models: { fast: config.anthropic.fastModel, writer: config.anthropic.writerModel },
    researchCacheTtlMs: 0,
    pagesDeadlineMs: config.researchPagesDeadlineMs,
    logger,
  };
  services.anthropic.latencyFor.parsed_template = SEED_MS.parse;
  services.anthropic.latencyFor.email = SEED_MS.compose;
  services.exa.latencyMs = SEED_MS.research;
  services.arxiv.latencyMs = SEED_MS.arxiv;
  const critical = SEED_MS.parse + Math.max(SEED_MS.research, SEED_MS.arxiv) + SEED_MS.compose;
  const fresh = (): PipelineData => ({ input: { template: TEMPLATE, ...RECIPIENT }, steps: {} });
  const once = async (extra: Partial<PipelineDeps> = {}) => {
    const t = performance.now();
    const data = await runPipeline(fresh(), { ...deps, ...extra });
    const s = (performance.now() - t) / 1000;
    if (!data.steps.compose?.output?.email) throw new Error('slow-pages: no email');
    return { s, data };
  };
  try {
    await once();
    const seconds: number[] = [];
    let leftOut = 0;
    let sources = 0;
    for (let i = 0; i < RUNS; i++) {
      const { s, data } = await once();
      seconds.push(s);
      leftOut = Number(
        /^(\d+) pages? (?:was|were) too slow/m.exec(data.steps.research?.warnings.join('\n') ?? '')?.[1] ?? 0,
      );
      sources = data.steps.research?.output?.sources.length ?? 0;
    }
    // Before issue 24: research waited for its slowest page (the page reader's own 15 s).
    const without = await once({ pagesDeadlineMs: 600_000 });
    const s = stats(seconds);
    const r = (n: number) => Math.round(n * 100) / 100;
    report({
      bench: 'research.slow_pages_e2e_s',
      p50: s.p50,
      max: s.max,
      runs: RUNS,
      critical_path_s: critical / 1000,
      pages_deadline_s: (deps.pagesDeadlineMs ?? 0) / 1000,
      left_out: leftOut,
      sources,
      without_deadline_s: r(without.s),
      target: '≤ critical path + 3 s',
      met: s.p50 <= critical / 1000 + 3,
    });
  } finally {
    await clients.close();
    await services.close();
  }
}
