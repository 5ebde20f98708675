/**
 * The whole pipeline with the real clients against the local fakes, when hostile pages are among
 * the search results: one that opens popups, one that navigates itself in a loop, and one whose
 * request handling in the browser throws (the pool's test hook). The email is written from the
 * other sources, and the page that failed is a warning under the research step.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { createBrowserPool } from '../../src/pipeline/clients/browser.ts';
import { createPipelineClients, type PipelineClients } from '../../src/pipeline/clients/index.ts';
import { createPageReader } from '../../src/pipeline/clients/page-reader.ts';
import { createUrlGuard } from '../../src/pipeline/clients/ssrf.ts';
import { runPipeline } from '../../src/pipeline/runner.ts';
import type { PageReader } from '../../src/pipeline/ports.ts';
import { PROFILE_TEXT } from '../fakes/pages.ts';
import { CHROMIUM, chromiumOrSkip } from '../helpers/chromium.ts';
import { RECIPIENT, TEMPLATE, startServices, type Services } from '../helpers/services.ts';

describe.runIf(chromiumOrSkip())('the pipeline with hostile pages among the results', () => {
  let services: Services;
  let clients: PipelineClients;
  let pages: PageReader;
  const logger = silentLogger();

  beforeAll(async () => {
    services = await startServices();
    clients = createPipelineClients(services.config(), logger, { arxivIntervalMs: 0 });
    const browser = createBrowserPool({
      executablePath: CHROMIUM!,
      logger,
      onRequest: (request) => {
        if (request.url().includes('?throw')) throw new Error('route handling broke');
      },
    });
    pages = createPageReader({ guard: createUrlGuard({ allowHosts: ['127.0.0.1'] }), browser, logger });
    const page = (path: string, title: string) => ({ url: services.pages.page(path), title, text: undefined });
    services.exa.defaults = [
      { url: 'https://uni.example/~ada', title: 'Ada Lovelace — University of London', text: PROFILE_TEXT },
      page('/popup', 'Ada Lovelace — popups'),
      page('/nav-loop', 'Ada Lovelace — a loop'),
      page('/js-only?throw', 'Ada Lovelace — lab'),
      page('/profile', 'Ada Lovelace — profile'),
    ];
  });
  afterAll(async () => {
    await pages?.close();
    await clients?.close();
    await services?.close();
  });

  it('writes the email from the other sources and warns about the page that failed', async () => {
    const data = await runPipeline(
      { input: { template: TEMPLATE, ...RECIPIENT }, steps: {} },
      {
        ...clients,
        pages,
        models: { fast: 'claude-haiku-5-5', writer: 'claude-sonnet-5-5' },
        researchCacheTtlMs: 0,
        retry: { baseMs: 10, maxMs: 50 },
        logger,
      },
    );

    const research = data.steps.research;
    expect(research?.warnings).toEqual([
      expect.stringMatching(
        /^1 of 5 pages could not be read: 127\.0\.0\.1:\d+\/js-only \(http:.*could not be read: the browser failed/,
      ),
    ]);
    // The popup page was read (its popups were not); the loop's last page is too short to cite.
    expect(research?.output?.sources.map((s) => s.url)).toEqual([
      'https://uni.example/~ada',
      services.pages.page('/popup'),
      services.pages.page('/profile'),
    ]);
    expect(services.pages.requests.filter((r) => r.path === '/profile?popup')).toEqual([]);
    expect(data.steps.compose?.output?.email).toContain('Dear Dr. Lovelace,');
  });
});
