/**
 * Hostile pages cannot take the process down: a real process reads them as the worker does
 * (test/helpers/page-read-child.ts: Config, the URL guard, the shared browser, the page reader),
 * then a normal page, and must still be running afterwards. A page that opened a popup used to
 * make Playwright's `request.frame()` throw inside the route callback, and Node exited with code 1
 * (Scribe read pages with Playwright then; Puppeteer's handlers are wrapped the same way).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakePages, type FakePages } from '../../fakes/pages.ts';
import { chromiumOrSkip } from '../../helpers/chromium.ts';
import { cleanEnv, type LogLine, ROOT, spawnNode } from '../../helpers/scribe-process.ts';

const CHILD = path.join(ROOT, 'test/helpers/page-read-child.ts');

describe.runIf(chromiumOrSkip())('a process reading hostile pages', () => {
  let pages: FakePages;
  beforeAll(async () => {
    pages = await startFakePages();
  });
  afterAll(async () => {
    await pages?.close();
  });

  it('stays up through a popup, navigation loops and a failing route handler, and reads the next page', async () => {
    const hostile = ['/popup', '/nav-loop', '/refresh-loop', '/js-only?throw'];
    const child = spawnNode([CHILD, ...hostile.map((p) => pages.page(p)), pages.page('/js-only')], {
      ...cleanEnv({ SCRAPE_ALLOW_HOSTS: '127.0.0.1', CHROMIUM_PATH: process.env.CHROMIUM_PATH }),
      TEST_THROW_ON: '?throw',
    });
    try {
      await child.waitForLog((l) => l.msg === 'all read', 120_000);
      const reads = new Map(
        child.logs.filter((l) => l.msg === 'page read').map((l) => [String(l.url).slice(pages.url.length), l]),
      );
      const read = (p: string) =>
        reads.get(p) as (LogLine & { ok: boolean; text?: string; error?: string }) | undefined;

      // The popup page is read; its popups were closed unread.
      expect(read('/popup')).toMatchObject({ ok: true, via: 'browser' });
      expect(read('/popup')?.text).toContain('finding 4 concerns loops');
      expect(pages.requests.filter((r) => r.path.includes('popup') && r.path !== '/popup')).toEqual([]);
      // The loops end after a handful of pages, with the last one loaded.
      expect(read('/nav-loop')).toMatchObject({ ok: true, text: 'Loop 4' });
      expect(read('/refresh-loop')).toMatchObject({ ok: true, text: 'Refresh 4' });
      // One read over plain HTTP (too little text), then 5 in the browser (41 to 150 before).
      expect(pages.requests.filter((r) => r.path.startsWith('/nav-loop'))).toHaveLength(1 + 5);
      expect(pages.requests.filter((r) => r.path.startsWith('/refresh-loop'))).toHaveLength(1 + 5);
      // A throw inside the route handler fails that page only.
      expect(read('/js-only?throw')).toMatchObject({
        ok: false,
        error: expect.stringMatching(/could not be read: the browser failed while loading it \(test hook: refusing/),
      });
      // The normal page after them all is read, and the process is still running.
      expect(read('/js-only')).toMatchObject({ ok: true, via: 'browser' });
      expect(read('/js-only')?.text).toContain('The Lovelace Lab');
      expect(child.child.exitCode).toBeNull();
      expect(child.child.signalCode).toBeNull();
    } finally {
      child.kill();
      await child.exited;
    }
  });
});
