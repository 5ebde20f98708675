import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBrowserPool, type BrowserPool } from '../../../src/pipeline/clients/browser.ts';
import { createPageReader } from '../../../src/pipeline/clients/page-reader.ts';
import { createUrlGuard } from '../../../src/pipeline/clients/ssrf.ts';
import { silentLogger } from '../../../src/log.ts';
import { INJECTION, startFakePages, type FakePages } from '../../fakes/pages.ts';
import { CHROMIUM, chromiumOrSkip } from '../../helpers/chromium.ts';

const logger = silentLogger();
let pages: FakePages;
// The fake web is on 127.0.0.1: allowed by name, as SCRAPE_ALLOW_HOSTS=127.0.0.1 does in tests.
const guard = createUrlGuard({ allowHosts: ['127.0.0.1'] });

beforeAll(async () => {
  pages = await startFakePages();
});
afterAll(() => pages.close());

const failure = (p: Promise<unknown>) => p.then(() => 'read', (e: Error & { code?: string }) => `${e.code}: ${e.message}`);

describe('page reader over plain HTTP', () => {
  const reader = () => createPageReader({ guard, browser: undefined, logger, timeoutMs: 1_500 });

  it('reads a static page\'s main text without the browser', async () => {
    const page = await reader().read(pages.page('/profile'));
    expect(page.via).toBe('http');
    expect(page.title).toMatch(/Ada Lovelace/);
    expect(page.text).toContain('finding 11 concerns loops in punched-card programs');
    expect(page.text).not.toContain('<p>');
  });

  it('keeps instruction-like text as plain page text (it is data for the model, never obeyed here)', async () => {
    const page = await reader().read(pages.page('/injection'));
    expect(page.text).toContain(INJECTION);
  });

  it('stops downloading a 5 MB page at the size cap', async () => {
    const capped = createPageReader({ guard, browser: undefined, logger, maxBytes: 200_000 });
    const page = await capped.read(pages.page('/huge'));
    expect(page.text.length).toBeGreaterThan(1_000);
    expect(page.text.length).toBeLessThanOrEqual(200_000);
    expect(pages.hugeBytesSent()).toBeLessThan(5_000_000);
  });

  it('gives up on a page that never answers at its timeout', async () => {
    expect(await failure(reader().read(pages.page('/slow')))).toMatch(/^page_failed: .*\/slow could not be read: timed out after 2 s$/);
  });

  it('refuses a redirect to a private address, and one to a loopback host not on the allow-list', async () => {
    const strict = createPageReader({ guard: createUrlGuard({ allowHosts: ['127.0.0.1'] }), browser: undefined, logger });
    expect(await failure(strict.read(pages.page('/redirect?to=http://10.0.0.1/admin')))).toBe(
      'page_refused: http://10.0.0.1/admin was not read: it points to a private or local address (10.0.0.1)',
    );
    expect(await failure(strict.read(pages.page(`/redirect?to=http://localhost:${pages.port}/profile`)))).toMatch(
      /^page_refused: http:\/\/localhost:\d+\/profile was not read: it points to a private or local address/,
    );
    const noAllow = createPageReader({ guard: createUrlGuard({ allowHosts: [] }), browser: undefined, logger });
    expect(await failure(noAllow.read(pages.page('/profile')))).toMatch(/^page_refused: /);
  });

  it('explains pages that are not HTML, missing, or need JavaScript without a browser', async () => {
    expect(await failure(reader().read(pages.page('/not-html')))).toMatch(/it is not a web page \(application\/pdf\)$/);
    expect(await failure(reader().read(pages.page('/missing')))).toMatch(/the site answered 404$/);
    const js = await reader().read(pages.page('/js-only'));
    expect(js.text).toBe('Loading…'); // all the static HTML has; with a browser it is rendered (below)
  });
});

describe.runIf(chromiumOrSkip())('page reader with the shared browser', () => {
  let browser: BrowserPool;
  beforeAll(() => {
    browser = createBrowserPool({ executablePath: CHROMIUM!, logger, idleCloseMs: 300 });
  });
  afterAll(() => browser.close());

  it('renders a JavaScript page in Chromium, launched only when needed and closed when idle', async () => {
    const reader = createPageReader({ guard, browser, logger, timeoutMs: 20_000 });
    await reader.read(pages.page('/profile'));
    expect(browser.isRunning()).toBe(false);

    const page = await reader.read(pages.page('/js-only'));
    expect(page.via).toBe('browser');
    expect(page.text).toContain('The Lovelace Lab');
    expect(page.text).toContain('punched-card programs');
    expect(browser.isRunning()).toBe(true);
    await expect.poll(() => browser.isRunning(), { timeout: 5_000, interval: 50 }).toBe(false);
  });

  it('renders one page at a time', async () => {
    const started = pages.requests.length;
    await Promise.all([
      browser.render(pages.page('/delayed?a'), { guard, timeoutMs: 10_000 }),
      browser.render(pages.page('/delayed?b'), { guard, timeoutMs: 10_000 }),
    ]);
    const loads = pages.requests.slice(started).filter((r) => r.path.startsWith('/delayed'));
    expect(loads).toHaveLength(2);
    // The second page is asked for only after the first (400 ms to answer) was done.
    expect(loads[1]!.at - loads[0]!.at).toBeGreaterThanOrEqual(390);
  });

  it('blocks the browser from requests to refused hosts', async () => {
    const strict = createUrlGuard({ allowHosts: ['127.0.0.1'] });
    const rendered = await browser.render(pages.page('/redirect?to=http://10.0.0.1/'), { guard: strict, timeoutMs: 5_000 }).catch((e: Error) => e);
    expect(rendered).toBeInstanceOf(Error);
    expect((rendered as Error).message).toMatch(/could not be read/);
  });
});
