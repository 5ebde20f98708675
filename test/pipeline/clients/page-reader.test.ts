import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../src/log.ts';
import { createPageReader, extractText } from '../../../src/pipeline/clients/page-reader.ts';
import { createUrlGuard } from '../../../src/pipeline/clients/ssrf.ts';
import { INJECTION, startFakePages, type FakePages } from '../../fakes/pages.ts';

const logger = silentLogger();
let pages: FakePages;
// The fake web is on 127.0.0.1: allowed by name, as SCRAPE_ALLOW_HOSTS=127.0.0.1 does in tests.
const guard = createUrlGuard({ allowHosts: ['127.0.0.1'] });

beforeAll(async () => {
  pages = await startFakePages();
  // The extraction thread's cold start (loading linkedom and Readability) is not what these tests
  // time: start it once, with room for a busy machine, so the 1.5 s deadlines below measure pages.
  await createPageReader({ guard, browser: undefined, logger, timeoutMs: 30_000 }).read(pages.page('/profile'));
});
afterAll(() => pages.close());

const reader = (overrides: Partial<Parameters<typeof createPageReader>[0]> = {}) =>
  createPageReader({ guard, browser: undefined, logger, timeoutMs: 1_500, ...overrides });
const failure = (p: Promise<unknown>) =>
  p.then(
    () => 'read',
    (e: Error & { code?: string }) => `${e.code}: ${e.message}`,
  );

describe('page reader over plain HTTP', () => {
  it("reads a static page's main text without the browser", async () => {
    const url = pages.page('/profile');
    const page = await reader().read(url);
    expect(page).toMatchObject({ url, finalUrl: url, via: 'http' });
    expect(page.title).toBe('Ada Lovelace — Department of Computing');
    expect(page.text).toContain('finding 11 concerns loops in punched-card programs');
    expect(page.text).not.toMatch(/<\/?p>/);
    expect(pages.requests.at(-1)!.headers['user-agent']).toMatch(/ScribeBot/);
  });

  it('keeps list items and paragraphs apart', async () => {
    const page = await reader().read(pages.page('/publications'));
    expect(page.text).toContain('their loops.\nNotes on the Analytical Engine, part 2.');
  });

  it('keeps instruction-like text as plain page text (it is data for the model, never obeyed here)', async () => {
    expect((await reader().read(pages.page('/injection'))).text).toContain(INJECTION);
  });

  it('decodes the charset the server names, and reads text/plain as text', async () => {
    expect((await reader().read(pages.page('/latin1'))).text).toContain(
      'Société Générale de Mécanique: café, crème, naïve.',
    );
    expect((await reader().read(pages.page('/text'))).text).toMatch(/^Ada Lovelace <curriculum vitae>\n/);
  });

  it('stops downloading a 5 MB page at the size cap, keeps its beginning, and logs that', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write: (chunk: Buffer, _enc, done) => {
        lines.push(chunk.toString());
        done();
      },
    });
    const page = await reader({ maxBytes: 200_000, logger: pino({ level: 'info' }, sink) }).read(pages.page('/huge'));
    expect(page.text.length).toBeGreaterThan(100_000);
    expect(page.text.length).toBeLessThanOrEqual(200_000);
    expect(page.text).toMatch(/^Ada Lovelace is a professor/);
    await expect.poll(() => pages.hugeBytesSent()).toBeGreaterThan(0);
    expect(pages.hugeBytesSent()).toBeLessThan(5_000_000);
    expect(lines.join('')).toContain('page larger than the size cap; read its beginning only');
  });

  it('gives up on a page that never answers at its timeout', async () => {
    expect(await failure(reader().read(pages.page('/slow')))).toBe(
      `page_failed: ${pages.page('/slow')} could not be read: timed out after 1.5 s`,
    );
  });

  it('says "cancelled" when the caller aborts', async () => {
    const controller = new AbortController();
    const before = pages.requests.length;
    const pending = failure(reader().read(pages.page('/slow'), { signal: controller.signal }));
    await expect.poll(() => pages.requests.length).toBe(before + 1);
    controller.abort();
    expect(await pending).toBe(`page_failed: ${pages.page('/slow')} could not be read: cancelled`);
  });

  it('follows redirects within allowed hosts, up to a limit', async () => {
    const page = await reader().read(pages.page('/redirect?to=/profile'));
    expect(page.finalUrl).toBe(pages.page('/profile'));
    expect(await failure(reader().read(pages.page('/loop')))).toBe(
      `page_failed: ${pages.page('/loop')} could not be read: more than 5 redirects`,
    );
  });

  it('refuses redirects to private, metadata and loopback addresses, and never connects to them', async () => {
    expect(await failure(reader().read(pages.page('/to-private')))).toBe(
      'page_refused: http://10.0.0.1/admin was not read: it points to a private or local address (10.0.0.1)',
    );
    expect(await failure(reader().read(pages.page('/to-metadata')))).toBe(
      'page_refused: http://169.254.169.254/latest/meta-data/ was not read: it points to a private or local address (169.254.169.254)',
    );
    // localhost is this same server, but only 127.0.0.1 is on the allow-list.
    const before = pages.requests.length;
    expect(await failure(reader().read(pages.page(`/redirect?to=http://localhost:${pages.port}/secret`)))).toMatch(
      /^page_refused: http:\/\/localhost:\d+\/secret was not read: it points to a private or local address \((127\.0\.0\.1|::1)\)$/,
    );
    expect(pages.requests.slice(before).map((r) => r.path)).toEqual([
      `/redirect?to=http://localhost:${pages.port}/secret`,
    ]);
    const strict = reader({ guard: createUrlGuard({ allowHosts: [] }) });
    expect(await failure(strict.read(pages.page('/profile')))).toMatch(/^page_refused: /);
  });

  it('connects to the address the guard checked, not to a second DNS answer', async () => {
    // faculty.test exists only in the guard's lookup: connecting by name would fail with ENOTFOUND.
    const pinned = createUrlGuard({
      allowHosts: ['faculty.test'],
      lookup: async () => [{ address: '127.0.0.1', family: 4 }],
    });
    const page = await reader({ guard: pinned }).read(`http://faculty.test:${pages.port}/profile`);
    expect(page.text).toContain('punched-card programs');
    expect(pages.requests.at(-1)!.headers.host).toBe(`faculty.test:${pages.port}`);
  });

  it('explains pages that are not HTML, missing, or need JavaScript without a browser', async () => {
    expect(await failure(reader().read(pages.page('/not-html')))).toMatch(
      /could not be read: it is not a web page \(application\/pdf\)$/,
    );
    expect(await failure(reader().read(pages.page('/missing')))).toMatch(
      /could not be read: the site answered 404 Not Found$/,
    );
    expect(await failure(reader().read(pages.page('/delayed')))).toMatch(
      /could not be read: it needs JavaScript and no browser is configured \(CHROMIUM_PATH\)$/,
    );
    // Short static text is still returned when there is no browser to do better.
    expect((await reader().read(pages.page('/js-only'))).text).toBe('Loading…');
  });
});

describe('compressed answers (sent although we never ask for compression)', () => {
  it('decompresses gzip, deflate and br bodies instead of reading their bytes as text', async () => {
    for (const encoding of ['gzip', 'deflate', 'br']) {
      const page = await reader().read(pages.page(`/compressed?encoding=${encoding}`));
      expect(page.title).toBe('Ada Lovelace — Department of Computing');
      expect(page.text).toContain('finding 11 concerns loops in punched-card programs');
      expect(page.text).toMatch(/^[\x20-\x7e\u00a0-\u024f—\n]+$/); // text, not binary
    }
    expect(pages.requests.at(-1)!.headers['accept-encoding']).toBeUndefined();
  });

  it('stops inflating at the size cap (a 40 KB body that inflates to 40 MB)', async () => {
    // The cap is what this measures, not speed: a deadline a loaded machine cannot miss.
    const page = await reader({ maxBytes: 200_000, timeoutMs: 15_000 }).read(pages.page('/bomb'));
    expect(page.text).toMatch(/^Ada Lovelace is a professor/);
    expect(page.text.length).toBeLessThan(200_000);
  });

  it('refuses an encoding it does not read, or a body that does not decompress', async () => {
    const url = pages.page('/compressed?encoding=compress');
    expect(await failure(reader().read(url))).toBe(
      `page_failed: ${url} could not be read: it is sent compressed as "compress", which is not read`,
    );
    const broken = pages.page('/compressed?encoding=gzip-lie');
    pages.failNext(
      [
        {
          status: 200,
          headers: { 'content-type': 'text/html', 'content-encoding': 'gzip' },
          body: 'not gzip at all, though it says so',
        },
      ],
      /gzip-lie/,
    );
    expect(await failure(reader().read(broken))).toBe(
      `page_failed: ${broken} could not be read: its compressed body could not be decompressed`,
    );
  });
});

describe('text extraction', () => {
  it('reads pages that leave out <html> and <body>, as HTML allows', async () => {
    expect(await extractText('<!doctype html><title>Ada</title><p>First.</p><p>Second.</p>')).toEqual({
      title: 'Ada',
      text: 'First.\nSecond.',
    });
    expect((await extractText('<ul><li>One</li><li>Two<br>lines</li></ul>')).text).toBe('One\nTwo\nlines');
  });

  it('drops scripts, styles and templates', async () => {
    expect(
      (
        await extractText(
          '<body><p>Shown</p><script>var hidden = 1;</script><style>p{}</style><template>t</template></body>',
        )
      ).text,
    ).toBe('Shown');
  });
});

describe('pages built to freeze or bloat the reader', () => {
  it('refuses a deeply nested page (22 KB, 2,000 levels) before Readability runs', async () => {
    const url = pages.page('/deep?depth=2000');
    expect(await failure(reader().read(url))).toBe(
      `page_failed: ${url} could not be read: its HTML is nested too deeply (more than 256 levels)`,
    );
    // Ordinary nesting is read.
    expect((await reader().read(pages.page('/deep?depth=60'))).text).toContain('finding 0 concerns loops');
  });

  it('refuses a page with too many elements before parsing it', async () => {
    const url = pages.page('/elements?n=60000');
    expect(await failure(reader().read(url))).toBe(
      `page_failed: ${url} could not be read: it has too many HTML elements (60,005, at most 50,000 are read)`,
    );
  });

  it('gives up at the page deadline when extraction runs long, and the event loop stays responsive meanwhile', async () => {
    // Past the depth check (lifted), Readability needs ~100 s for this page; the deadline must stop it.
    const slow = reader({ timeoutMs: 2_000, domLimits: { maxDepth: 1_000_000 } });
    const url = pages.page('/deep?depth=2000');
    const delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
    const started = performance.now();
    const result = await failure(slow.read(url));
    const elapsed = performance.now() - started;
    delay.disable();
    expect(result).toBe(`page_failed: ${url} could not be read: timed out after 2 s while extracting its text`);
    expect(elapsed).toBeLessThan(2_000 + 2_000); // the deadline, and a generous margin on a loaded machine
    expect(delay.max / 1e6).toBeLessThan(300); // ms: the main thread never waited on Readability
    // The stopped worker thread is replaced: the next page reads as usual.
    // (Its cold start is not what this measures: a deadline a loaded machine cannot miss.)
    expect((await reader({ timeoutMs: 30_000 }).read(pages.page('/profile'))).text).toContain(
      'finding 11 concerns loops in punched-card programs',
    );
  });
});
