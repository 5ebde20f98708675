import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.ts';
import { createExtractor } from '../../../src/pipeline/clients/extractor.ts';
import { workerThreadIds, workerThreads } from '../../helpers/threads.ts';

const extractor = createExtractor({ logger: silentLogger(), maxHeapMb: 24 });
afterAll(() => extractor.close());
const failure = (p: Promise<unknown>) =>
  p.then(
    () => 'extracted',
    (e: Error) => e.message,
  );

describe('extraction worker thread', () => {
  it('fails a page that needs more than its heap cap, and then reads the next page in a new thread', async () => {
    const big = `<html><body>${'<p>Ada Lovelace wrote notes on the engine. <b>x</b><i>y</i></p>'.repeat(45_000)}</body></html>`;
    expect(await failure(extractor.extract(big, AbortSignal.timeout(30_000), { maxElements: 1_000_000 }))).toBe(
      'it needs more memory than a page may use (24 MB)',
    );
    expect(await extractor.extract('<p>Back to normal.</p>', AbortSignal.timeout(10_000))).toEqual({
      title: '',
      text: 'Back to normal.',
    });
  });

  it('drops a queued page whose caller gave up, without stopping the one in progress', async () => {
    // The first page is handed to the thread at once; the second waits behind it.
    const first = extractor.extract('<div><p>deep</p></div>', AbortSignal.timeout(30_000));
    const controller = new AbortController();
    const second = failure(extractor.extract('<p>never read</p>', controller.signal));
    controller.abort(new Error('caller gave up'));
    expect(await second).toBe('caller gave up');
    expect((await first).text).toBe('deep');
  });
});

describe('the thread asked to end (a page about to render in the browser)', () => {
  const idle = () => new Promise((r) => setTimeout(r, 300));

  it('ends once no page holds it or is being extracted, not before; the next page starts a new one', async () => {
    await extractor.close(); // the file's other extractor: its thread would be counted too
    const base = workerThreads();
    const own = createExtractor({ logger: silentLogger(), idleCloseMs: 60_000 });
    try {
      const first = own.hold();
      const second = own.hold();
      await expect.poll(workerThreads, { timeout: 10_000 }).toBe(base + 1);
      first();
      await own.release(); // the second page is still downloading: kept for it (and resolved at once)
      await idle();
      expect(workerThreads()).toBe(base + 1);
      expect((await own.extract('<p>Second page.</p>', AbortSignal.timeout(10_000))).text).toBe('Second page.');
      await idle();
      expect(workerThreads()).toBe(base + 1);
      second();
      second(); // a second call changes nothing
      await expect.poll(workerThreads, { timeout: 5_000 }).toBe(base);
      // A new page starts a new thread, kept for the idle period again: the release was used up.
      expect((await own.extract('<p>Third page.</p>', AbortSignal.timeout(30_000))).text).toBe('Third page.');
      await idle();
      expect(workerThreads()).toBe(base + 1);
      // Nothing else needs it: it has ended when the release resolves.
      await own.release();
      expect(workerThreads()).toBe(base);
    } finally {
      await own.close();
    }
  });

  it('keeps it for a read that starts as the last one ends (the next page of a research)', async () => {
    const base = workerThreads();
    const own = createExtractor({ logger: silentLogger(), idleCloseMs: 60_000 });
    try {
      const before = workerThreadIds();
      const first = own.hold();
      await expect.poll(workerThreads, { timeout: 10_000 }).toBe(base + 1);
      const thread = workerThreadIds().filter((tid) => !before.includes(tid));
      await own.release();
      first();
      await Promise.resolve(); // the next read starts a few promise turns later
      const next = own.hold();
      await idle();
      expect(workerThreadIds().filter((tid) => !before.includes(tid))).toEqual(thread); // the same thread
      expect((await own.extract('<p>Next page.</p>', AbortSignal.timeout(10_000))).text).toBe('Next page.');
      next();
      await expect.poll(workerThreads, { timeout: 5_000 }).toBe(base);
    } finally {
      await own.close();
    }
  });

  it('keeps it for the idle period when pages are announced (warm) after a release', async () => {
    const base = workerThreads();
    const own = createExtractor({ logger: silentLogger(), idleCloseMs: 60_000 });
    try {
      const held = own.hold();
      await expect.poll(workerThreads, { timeout: 10_000 }).toBe(base + 1);
      await own.release(); // deferred: the page held is still downloading
      own.warm(); // another research searches: its pages are coming
      held();
      await idle();
      expect(workerThreads()).toBe(base + 1);
    } finally {
      await own.close();
    }
  });

  it('lets the pages being extracted or waiting finish first', async () => {
    const base = workerThreads();
    const own = createExtractor({ logger: silentLogger(), idleCloseMs: 60_000 });
    try {
      const big = `<main>${'<p>Ada Lovelace wrote notes on the engine.</p>'.repeat(5_000)}</main>`;
      const first = own.extract(big, AbortSignal.timeout(30_000));
      const second = own.extract('<p>Waiting page.</p>', AbortSignal.timeout(30_000));
      await own.release();
      expect((await first).text).toContain('Ada Lovelace wrote notes on the engine.');
      expect((await second).text).toBe('Waiting page.');
      await expect.poll(workerThreads, { timeout: 5_000 }).toBe(base);
    } finally {
      await own.close();
    }
  });
});
