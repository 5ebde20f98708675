/**
 * The whole pipeline with the real clients and the shared browser, when two of the five search
 * results are slow (issue 24): an endless stream, and a JavaScript page whose blocking script never
 * answers, which in the browser takes the whole per-page timeout. Research goes on at its pages'
 * deadline with the other three; the thread names the two left out; the reads cut off close what
 * they opened, and the browser serves the next read. A cancel during the reads still cancels.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { progressLines } from '../../src/bots/text.ts';
import { silentLogger } from '../../src/log.ts';
import { createBrowserPool, type BrowserPool } from '../../src/pipeline/clients/browser.ts';
import { createPipelineClients, type PipelineClients } from '../../src/pipeline/clients/index.ts';
import { createPageReader } from '../../src/pipeline/clients/page-reader.ts';
import { createUrlGuard } from '../../src/pipeline/clients/ssrf.ts';
import type { PageReader } from '../../src/pipeline/ports.ts';
import { runPipeline, type PipelineDeps } from '../../src/pipeline/runner.ts';
import type { ProgressEvent } from '../../src/pipeline/types.ts';
import { applyProgressEvent, initialProgress } from '../../src/thread/progress.ts';
import { PROFILE_TEXT } from '../fakes/pages.ts';
import { CHROMIUM, chromiumOrSkip } from '../helpers/chromium.ts';
import { RECIPIENT, TEMPLATE, startServices, type Services } from '../helpers/services.ts';

// Long enough for the two good pages over HTTP on a loaded machine, far shorter than a page's 15 s.
const DEADLINE_MS = 3_000;

describe.runIf(chromiumOrSkip())('the pipeline with slow pages among the results', () => {
  let services: Services;
  let clients: PipelineClients;
  let browser: BrowserPool;
  let pages: PageReader;
  const logger = silentLogger();

  beforeAll(async () => {
    services = await startServices();
    clients = createPipelineClients(services.config(), logger, { arxivIntervalMs: 0 });
    browser = createBrowserPool({ executablePath: CHROMIUM!, logger });
    // The app's per-page timeout (15 s): the stalled page would take all of it.
    pages = createPageReader({ guard: createUrlGuard({ allowHosts: ['127.0.0.1'] }), browser, logger });
    const page = (path: string, title: string) => ({ url: services.pages.page(path), title, text: undefined });
    // The slow pages first: they hold no other page back.
    services.exa.defaults = [
      page('/trickle', 'Ada Lovelace — an endless page'),
      page('/js-stall', 'Ada Lovelace — a stalled lab page'),
      { url: 'https://uni.example/~ada', title: 'Ada Lovelace — University of London', text: PROFILE_TEXT },
      page('/profile', 'Ada Lovelace — profile'),
      page('/text', 'Ada Lovelace — CV'),
    ];
    // Warm, as in a worker that has read pages before: the browser running and the extraction
    // thread started (on a loaded machine each start takes seconds). A page rendered in the
    // browser ends the thread, so a page over HTTP is read last.
    await pages.read(services.pages.page('/js-only'));
    await pages.read(services.pages.page('/profile'));
  }, 60_000);
  afterAll(async () => {
    await pages?.close();
    await clients?.close();
    await services?.close();
  });

  const deps = (): PipelineDeps => ({
    ...clients,
    pages,
    models: { fast: 'claude-haiku-5-5', writer: 'claude-sonnet-5-5' },
    researchCacheTtlMs: 0,
    pagesDeadlineMs: DEADLINE_MS,
    retry: { baseMs: 10, maxMs: 50 },
    logger,
  });

  it('writes the email from the other three and says in the thread which two were left out', async () => {
    let view = initialProgress(RECIPIENT.recipientName, 1);
    const events: ProgressEvent[] = [];
    const data = await runPipeline({ input: { template: TEMPLATE, ...RECIPIENT }, steps: {} }, deps(), {
      onProgress: (event) => {
        events.push(event);
        view = applyProgressEvent(view, event);
      },
    });

    const host = new URL(services.pages.url).host;
    const leftOut = `2 pages were too slow (over 3 s) and were left out: ${host}/trickle; ${host}/js-stall`;
    expect(data.steps.research?.warnings).toEqual([leftOut]);
    expect(data.steps.research?.output?.sources.map((s) => s.url)).toEqual([
      'https://uni.example/~ada',
      services.pages.page('/profile'),
      services.pages.page('/text'),
    ]);
    expect(data.steps.compose?.output?.email).toContain('Dear Dr. Lovelace,');
    // What the thread shows under the research step.
    expect(progressLines(view)).toContain(`    ⚠️ ${leftOut}`);
    // Research did not wait for a page's own 15 s: it went on at its deadline.
    const research = events.find((e) => e.step === 'research' && e.kind === 'finished');
    expect(research?.kind === 'finished' && research.durationMs).toBeLessThan(DEADLINE_MS + 4_000);

    // The reads cut off closed what they opened: no page left open in the browser, no read
    // waiting for it, and the endless stream hung up on.
    await expect
      .poll(() => browser.counts(), { timeout: 5_000, interval: 50 })
      .toEqual({ open: 0, waiting: 0, ahead: 0 });
    await expect.poll(() => services.pages.streaming(), { timeout: 5_000, interval: 50 }).toBe(0);
    // And the browser serves the next read.
    const next = await pages.read(services.pages.page('/js-only'));
    expect(next.via).toBe('browser');
    expect(next.text).toContain('The Lovelace Lab');
    expect(browser.counts()).toEqual({ open: 0, waiting: 0, ahead: 0 });
  });

  it('a cancel during the page reads cancels at once', async () => {
    const cancel = new AbortController();
    const run = runPipeline({ input: { template: TEMPLATE, ...RECIPIENT }, steps: {} }, deps(), {
      signal: cancel.signal,
    });
    run.catch(() => undefined);
    // Cancel once the stalled page is open in the browser.
    await expect.poll(() => browser.counts().open, { timeout: 10_000, interval: 20 }).toBe(1);
    const at = performance.now();
    cancel.abort(new Error('cancelled'));
    await expect(run).rejects.toMatchObject({ step: 'research' });
    expect(performance.now() - at).toBeLessThan(1_000);
    await expect
      .poll(() => browser.counts(), { timeout: 5_000, interval: 50 })
      .toEqual({ open: 0, waiting: 0, ahead: 0 });
    await expect.poll(() => services.pages.streaming(), { timeout: 5_000, interval: 50 }).toBe(0);
  });
});
