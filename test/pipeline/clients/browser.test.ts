/**
 * The shared Chromium, for real. Runs when Chromium is installed; skipped with a printed reason
 * when it is not, except in CI, where a missing browser fails (test/helpers/chromium.ts).
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.ts';
import { createBrowserPool, type BrowserPool } from '../../../src/pipeline/clients/browser.ts';
import { createPageReader } from '../../../src/pipeline/clients/page-reader.ts';
import { createUrlGuard } from '../../../src/pipeline/clients/ssrf.ts';
import { SECRET, startFakePages, type FakePages } from '../../fakes/pages.ts';
import { CHROMIUM, chromiumOrSkip } from '../../helpers/chromium.ts';

const logger = silentLogger();
// 127.0.0.1 (the fake web) is allowed; localhost, the same server by another name, is not.
const guard = createUrlGuard({ allowHosts: ['127.0.0.1'] });
const failure = (p: Promise<unknown>) => p.then(() => 'read', (e: Error & { code?: string }) => `${e.code}: ${e.message}`);

describe.runIf(chromiumOrSkip())('shared browser', () => {
  let pages: FakePages;
  let browser: BrowserPool;
  const pathsSince = (n: number) => pages.requests.slice(n).map((r) => r.path);

  beforeAll(async () => {
    pages = await startFakePages();
    browser = createBrowserPool({ executablePath: CHROMIUM!, logger, idleCloseMs: 300 });
  });
  afterAll(async () => {
    await browser?.close();
    await pages?.close();
  });

  it('is launched only for a page that needs JavaScript, and closed when idle', async () => {
    const reader = createPageReader({ guard, browser, logger, timeoutMs: 20_000 });
    await reader.read(pages.page('/profile'));
    expect(browser.isRunning()).toBe(false);
    expect(browser.pid()).toBeUndefined();

    const page = await reader.read(pages.page('/js-only'));
    expect(page.via).toBe('browser');
    expect(page.title).toBe('Lab page');
    expect(page.text).toContain('The Lovelace Lab');
    expect(page.text).toContain('punched-card programs');
    expect(page.text).not.toContain('Loading…');
    expect(browser.isRunning()).toBe(true);
    const pid = browser.pid();
    expect(pid).toEqual(expect.any(Number));
    expect(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')).toMatch(/\(chrom/);

    await expect.poll(() => browser.isRunning(), { timeout: 5_000, interval: 50 }).toBe(false);
    expect(browser.pid()).toBeUndefined();
    // The process is gone (a zombie at most, until reaped), not merely forgotten.
    await expect.poll(() => !fs.existsSync(`/proc/${pid}`) || /\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')), { timeout: 5_000 }).toBe(true);
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

  it("never fetches a refused host for the page's scripts and frames", async () => {
    const before = pages.requests.length;
    const rendered = await browser.render(pages.page(`/js-fetch?to=http://localhost:${pages.port}/secret`), { guard, timeoutMs: 10_000 });
    expect(rendered.text).toContain('finding 4 concerns loops');
    expect(rendered.text).toContain('The fetch was blocked.');
    expect(rendered.text).not.toContain(SECRET);
    expect(pathsSince(before).filter((p) => p.startsWith('/secret'))).toEqual([]);
  });

  it('checks every redirect hop of what the page loads', async () => {
    // The first hop is allowed (127.0.0.1); Chromium would follow its redirect to localhost unasked.
    const before = pages.requests.length;
    const to = encodeURIComponent(`/redirect?to=http://localhost:${pages.port}/secret`);
    const rendered = await browser.render(pages.page(`/js-fetch?to=${to}`), { guard, timeoutMs: 10_000 });
    expect(rendered.text).toContain('The fetch was blocked.');
    expect(rendered.text).not.toContain(SECRET);
    const paths = pathsSince(before);
    expect(paths.some((p) => p.startsWith('/redirect'))).toBe(true);
    expect(paths.filter((p) => p.startsWith('/secret'))).toEqual([]);
  });

  it('refuses a page whose own address redirects to a refused host', async () => {
    const before = pages.requests.length;
    const result = await failure(browser.render(pages.page(`/redirect?to=http://localhost:${pages.port}/js-only`), { guard, timeoutMs: 10_000 }));
    expect(result).toMatch(/^page_refused: http:\/\/localhost:\d+\/js-only was not read: it points to a private or local address/);
    expect(pathsSince(before).filter((p) => p === '/js-only')).toEqual([]);
  });

  it('gives up on a page that never answers, and says so', async () => {
    expect(await failure(browser.render(pages.page('/slow'), { guard, timeoutMs: 1_000 }))).toBe(
      `page_failed: ${pages.page('/slow')} could not be read: timed out after 1 s in the browser`,
    );
  });
});
