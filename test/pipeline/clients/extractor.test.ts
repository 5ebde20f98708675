import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.ts';
import { createExtractor } from '../../../src/pipeline/clients/extractor.ts';

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
