/**
 * The shared Chromium, for real: launched when needed, one page at a time, closed when idle. Runs
 * when Chromium is installed; skipped with a printed reason when it is not, except in CI, where a
 * missing browser fails (test/helpers/chromium.ts). What a page may load: browser-router.test.ts.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config.ts';
import { silentLogger } from '../../../src/log.ts';
import { createBrowserPool, type BrowserPool } from '../../../src/pipeline/clients/browser.ts';
import { createExtractor, sharedExtractor } from '../../../src/pipeline/clients/extractor.ts';
import { createPageReader } from '../../../src/pipeline/clients/page-reader.ts';
import { createUrlGuard } from '../../../src/pipeline/clients/ssrf.ts';
import { startFakePages, type FakePages } from '../../fakes/pages.ts';
import { CHROMIUM, chromiumOrSkip } from '../../helpers/chromium.ts';
import { workerThreads } from '../../helpers/threads.ts';

const logger = silentLogger();
// 127.0.0.1 (the fake web) is allowed; localhost, the same server by another name, is not.
const guard = createUrlGuard({ allowHosts: ['127.0.0.1'] });

it('finds the browser the app would use, the headless shell included', () => {
  // Only Debian's chromium-headless-shell installed (the default, and the Pi's) used to skip every browser test.
  expect(CHROMIUM).toBe(loadConfig({ CHROMIUM_PATH: process.env.CHROMIUM_PATH }).chromiumPath);
});

describe.runIf(chromiumOrSkip())('shared browser', () => {
  let pages: FakePages;
  let browser: BrowserPool;

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
    await expect
      .poll(() => !fs.existsSync(`/proc/${pid}`) || /\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8')), {
        timeout: 5_000,
      })
      .toBe(true);
  });

  it('renders with the extraction thread ended, unless another read still needs it', async () => {
    await sharedExtractor(logger).close(); // the other tests' thread (30 s idle) would be counted too
    const base = workerThreads();
    const atRender: number[] = [];
    let expected = base;
    // A fresh browser: the thread ends while it launches, as in a worker whose browser idled out.
    // Ending a thread takes a moment: a loaded machine gets up to 2 s to show the count expected.
    const own = createBrowserPool({
      executablePath: CHROMIUM!,
      logger,
      onRequest: async (request) => {
        if (new URL(request.url()).pathname !== '/js-only') return;
        await expect
          .poll(workerThreads, { timeout: 2_000, interval: 20 })
          .toBe(expected)
          .catch(() => undefined);
        atRender.push(workerThreads());
      },
    });
    const extractor = createExtractor({ logger, idleCloseMs: 60_000 }); // only a release ends it
    const reader = (timeoutMs: number) => createPageReader({ guard, browser: own, logger, timeoutMs, extractor });
    try {
      // Alone: the thread extracted the static HTML, then ended before the page was rendered.
      expect((await reader(20_000).read(pages.page('/js-only?alone'))).via).toBe('browser');
      expect(atRender).toEqual([base]);

      // Beside a read whose page is still downloading: kept for it, ended when that read ends.
      expected = base + 1;
      const gaveUp = new AbortController();
      const stalled = reader(60_000).read(pages.page('/slow'), { signal: gaveUp.signal });
      stalled.catch(() => undefined);
      expect((await reader(20_000).read(pages.page('/js-only?beside'))).via).toBe('browser');
      expect(atRender).toEqual([base, base + 1]);
      gaveUp.abort(new Error('cancelled'));
      await expect(stalled).rejects.toMatchObject({ message: expect.stringContaining('cancelled') });
      await expect.poll(workerThreads, { timeout: 5_000 }).toBe(base);
    } finally {
      await extractor.close();
      await own.close();
    }
  });

  it('fails only the read whose browser or renderer was killed (a Pi out of memory), and the next read works', async () => {
    for (const victim of ['browser', 'renderer'] as const) {
      let killed: number | undefined;
      const own = createBrowserPool({
        executablePath: CHROMIUM!,
        logger,
        idleCloseMs: 60_000,
        onRequest: () => {
          if (killed !== undefined) return;
          // The browser's pid, or its renderer's: its child (no zygote) whose command line says so;
          // never another test's Chromium.
          const browserPid = own.pid()!;
          const isOurRenderer = (pid: string) => {
            try {
              const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
              const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
              return ppid === browserPid && fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('--type=renderer');
            } catch {
              return false; // ended while we looked
            }
          };
          killed =
            victim === 'browser'
              ? browserPid
              : Number(
                  fs
                    .readdirSync('/proc')
                    .filter((e) => /^\d+$/.test(e))
                    .find(isOurRenderer),
                );
          process.kill(killed, 'SIGKILL');
        },
      });
      try {
        const error: unknown = await own
          .render(pages.page(`/js-only?${victim}`), { guard, timeoutMs: 10_000 })
          .catch((e: unknown) => e);
        expect(killed).toEqual(expect.any(Number));
        expect(error).toMatchObject({ code: 'page_failed' });
        expect(String(error)).toContain(`/js-only?${victim} could not be read`);
        const next = await own.render(pages.page('/js-only'), { guard, timeoutMs: 10_000 });
        expect(next.text).toContain('The Lovelace Lab');
        if (victim === 'browser') expect(own.pid()).not.toBe(killed); // a fresh one was launched
      } finally {
        await own.close();
      }
    }
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

  it('restarts the browser after its allowance of reads, the queued reads going on in a fresh one', async () => {
    const recycled = createBrowserPool({
      executablePath: CHROMIUM!,
      logger,
      idleCloseMs: 60_000,
      recycleAfterReads: 3,
    });
    try {
      const read = (n: number) => recycled.render(pages.page(`/js-only?recycle=${n}`), { guard, timeoutMs: 20_000 });
      await read(1);
      const first = recycled.pid();
      expect(first).toEqual(expect.any(Number));
      // Three reads at once: the third ends the first browser's allowance, the fourth gets a new one.
      const [, , third] = await Promise.all([read(2), read(3), read(4)]);
      expect(third.text).toContain('The Lovelace Lab');
      const second = recycled.pid();
      expect(second).toEqual(expect.any(Number));
      expect(second).not.toBe(first);
      await expect
        .poll(() => !fs.existsSync(`/proc/${first}`) || /\) Z /.test(fs.readFileSync(`/proc/${first}/stat`, 'utf8')), {
          timeout: 5_000,
        })
        .toBe(true);
      expect(recycled.counts()).toEqual({ open: 0, waiting: 0, ahead: 0 });
    } finally {
      await recycled.close();
    }
  });

  it('reads a page whose script computes past the quiet period before it fetches the text', async () => {
    // 600 ms of work: Puppeteer's networkidle0 (500 ms without requests) would read "Loading…".
    const rendered = await browser.render(pages.page('/js-busy?ms=600'), { guard, timeoutMs: 10_000 });
    expect(rendered.text).toBe('Fetched after the work: open data for every origin');
  });

  it('cuts off a page whose script never lets the page settle at its deadline, and reads the next', async () => {
    // 20 s of script work: the settle's task on the page queues behind it.
    await expect(browser.render(pages.page('/js-busy?ms=20000'), { guard, timeoutMs: 2_000 })).rejects.toMatchObject({
      code: 'page_failed',
      message: `${pages.page('/js-busy?ms=20000')} could not be read: timed out after 2 s in the browser`,
    });
    const next = await browser.render(pages.page('/js-only?after-busy'), { guard, timeoutMs: 20_000 });
    expect(next.text).toContain('The Lovelace Lab');
  });

  it('gives up on a page that never answers, and says so', async () => {
    await expect(browser.render(pages.page('/slow'), { guard, timeoutMs: 1_000 })).rejects.toMatchObject({
      code: 'page_failed',
      message: `${pages.page('/slow')} could not be read: timed out after 1 s in the browser`,
    });
  });

  it('lets a read aborted while it waits for the page leave the queue at once, and closes an aborted page', async () => {
    // One page at a time: the stalled page holds the slot, the second read waits for it.
    const first = new AbortController();
    const second = new AbortController();
    const holding = browser.render(pages.page('/js-stall'), { guard, timeoutMs: 30_000, signal: first.signal });
    holding.catch(() => undefined);
    await expect.poll(() => browser.counts().open, { timeout: 20_000, interval: 20 }).toBe(1);
    const waiting = browser.render(pages.page('/js-only'), { guard, timeoutMs: 30_000, signal: second.signal });
    await expect.poll(() => browser.counts().waiting, { interval: 10 }).toBe(1);

    second.abort(new Error('deadline'));
    await expect(waiting).rejects.toMatchObject({
      code: 'page_failed',
      message: `${pages.page('/js-only')} could not be read: cancelled`,
    });
    // It left the queue without ever holding the slot: the stalled page is still the one open, and
    // the page opened ahead for it is closed.
    expect(browser.counts()).toEqual({ open: 1, waiting: 0, ahead: 0 });

    first.abort(new Error('deadline'));
    await expect(holding).rejects.toMatchObject({ message: `${pages.page('/js-stall')} could not be read: cancelled` });
    expect(browser.counts()).toEqual({ open: 0, waiting: 0, ahead: 0 });
    // The slot was given back: the next page renders.
    const next = await browser.render(pages.page('/js-only'), { guard, timeoutMs: 20_000 });
    expect(next.text).toContain('The Lovelace Lab');
  });
});
