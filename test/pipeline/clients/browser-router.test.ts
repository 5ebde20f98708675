/**
 * What a page read in the shared browser may load, for real (the router, browser-router.ts):
 * every request and redirect hop through the URL guard, a bounded number of requests, bytes and
 * top-level navigations, no request a browser would have to ask another origin about, no popup,
 * and no error in a Puppeteer event handler that reaches further than the page read it belongs to.
 * Runs when Chromium is installed (test/helpers/chromium.ts).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, silentLogger } from '../../../src/log.ts';
import { createBrowserPool, type BrowserPool } from '../../../src/pipeline/clients/browser.ts';
import { createUrlGuard, type UrlGuard } from '../../../src/pipeline/clients/ssrf.ts';
import { SECRET, startFakePages, type FakePages } from '../../fakes/pages.ts';
import { CHROMIUM, chromiumOrSkip } from '../../helpers/chromium.ts';

const logger = silentLogger();
// 127.0.0.1 (the fake web) is allowed; localhost, the same server by another name, is not.
const guard = createUrlGuard({ allowHosts: ['127.0.0.1'] });
const failure = (p: Promise<unknown>) =>
  p.then(
    () => 'read',
    (e: Error & { code?: string }) => `${e.code}: ${e.message}`,
  );

describe.runIf(chromiumOrSkip())('what a page in the shared browser can reach', () => {
  let pages: FakePages;
  let other: FakePages;
  let browser: BrowserPool;
  const pathsSince = (n: number) => pages.requests.slice(n).map((r) => r.path);
  // A test hook of the pool: the router's handling of a request whose URL contains "?throw" throws.
  const throwing = (url: string) => {
    if (url.includes('?throw')) throw new Error('route handling broke');
  };

  beforeAll(async () => {
    pages = await startFakePages();
    other = await startFakePages(); // another origin (another port), also allowed
    browser = createBrowserPool({
      executablePath: CHROMIUM!,
      logger,
      idleCloseMs: 300,
      onRequest: (request) => throwing(request.url()),
    });
  });
  afterAll(async () => {
    await browser?.close();
    await pages?.close();
    await other?.close();
  });

  it("never fetches a refused host for the page's scripts and frames", async () => {
    const before = pages.requests.length;
    const rendered = await browser.render(pages.page(`/js-fetch?to=http://localhost:${pages.port}/secret`), {
      guard,
      timeoutMs: 10_000,
    });
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
    const result = await failure(
      browser.render(pages.page(`/redirect?to=http://localhost:${pages.port}/js-only`), { guard, timeoutMs: 10_000 }),
    );
    expect(result).toMatch(
      /^page_refused: http:\/\/localhost:\d+\/js-only was not read: it points to a private or local address/,
    );
    expect(pathsSince(before).filter((p) => p === '/js-only')).toEqual([]);
  });

  it('serves at most 6 requests of a page at once, 4 MB of subresources in all, and the process does not balloon', async () => {
    // Warm: the browser runs and this process's heap has grown to serve a hundred requests.
    await browser.render(pages.page('/many?n=100&size=10'), { guard, timeoutMs: 10_000 });
    const before = pages.big();
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    try {
      // 100 parallel 2 MB fetches took this process from 95 MB to 1,076 MB before the limits.
      const rendered = await browser.render(pages.page('/many?n=100&size=2000000'), { guard, timeoutMs: 20_000 });
      expect(rendered.text).toContain('finding 4 concerns loops');
      expect(rendered.text).toMatch(/Fetched [0-2] of 100\./); // 4 MB hold two of them at most
    } finally {
      clearInterval(sampler);
    }
    const after = pages.big();
    expect(after.maxInFlight).toBeLessThanOrEqual(6);
    expect(after.count - before.count).toBeLessThanOrEqual(10); // the rest were aborted unasked
    // Measured +22 to +24 MB with 4 MB (+40 to +60 MB with 8 MB: each body served is copied several
    // times on its way to Chromium, and V8 collects those copies late); before the limits, +1 GB.
    expect((peak - baseline) / 1e6).toBeLessThan(50);
  });

  it('serves at most 150 requests of a page', async () => {
    // The page writes its tally once every fetch has settled: let it, however busy the machine
    // (the default 5 s settle time is the product's, not what this test measures).
    const patient = createBrowserPool({ executablePath: CHROMIUM!, logger, idleCloseMs: 300, settleMs: 20_000 });
    try {
      const before = pages.big().count;
      const rendered = await patient.render(pages.page('/many?n=200&size=10'), { guard, timeoutMs: 30_000 });
      // The page itself was the first: 149 of its 200 fetches were served, the rest refused. Its own
      // tally is written once every fetch settled, which a very busy machine may not reach before
      // the read; when it is there it must agree.
      expect(pages.big().count - before).toBe(149);
      const tally = /Fetched (\d+) of 200\./.exec(rendered.text);
      if (tally) expect(tally[1]).toBe('149');
    } finally {
      await patient.close();
    }
  });

  it('makes no WebRTC, preconnect or Worker WebSocket connection of its own (127.0.0.2 is not allowed)', async () => {
    const datagrams: Buffer[] = [];
    const udp = dgram.createSocket('udp4');
    udp.on('message', (m) => datagrams.push(m));
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.2', resolve));
    const connections: net.Socket[] = [];
    const tcp = net.createServer((socket) => connections.push(socket.on('error', () => undefined)));
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.2', resolve));
    try {
      const udpPort = udp.address().port;
      const tcpPort = (tcp.address() as net.AddressInfo).port;
      const q = new URLSearchParams({
        stun: `127.0.0.2:${udpPort}`,
        turn: `127.0.0.2:${tcpPort}`,
        ws: `ws://127.0.0.2:${tcpPort}/`,
        wss: `wss://127.0.0.2:${tcpPort}/`,
      });
      const rendered = await browser.render(pages.page(`/escape?${q}`), { guard, timeoutMs: 10_000 });
      expect(rendered.text).toContain('Worker: ran.'); // the attempts were made
      expect(rendered.text).toContain('WebRTC: unavailable.');
      await new Promise((r) => setTimeout(r, 500)); // anything in flight lands
      expect(datagrams).toHaveLength(0);
      expect(connections).toHaveLength(0);
    } finally {
      for (const s of connections) s.destroy();
      udp.close();
      await new Promise((resolve) => tcp.close(resolve));
    }
  });

  it("cannot read another origin's answer that has no CORS headers, and can read one that allows it", async () => {
    const before = other.requests.length;
    const closed = await browser.render(pages.page(`/js-fetch?to=${encodeURIComponent(other.page('/secret'))}`), {
      guard,
      timeoutMs: 10_000,
    });
    expect(other.requests.slice(before).some((r) => r.path === '/secret')).toBe(true); // it was served, then withheld by CORS
    expect(closed.text).toContain('The fetch was blocked.');
    expect(closed.text).not.toContain(SECRET);
    const open = await browser.render(pages.page(`/js-fetch?to=${encodeURIComponent(other.page('/cors-open'))}`), {
      guard,
      timeoutMs: 10_000,
    });
    expect(open.text).toContain('Fetched: open data for every origin');
  });

  it('sends no PUT, DELETE or PATCH anywhere, same origin or not (the router would be the one answering their preflights)', async () => {
    const before = { pages: pages.requests.length, other: other.requests.length };
    for (const to of [other.page('/cors-open'), pages.page('/cors-open')]) {
      const rendered = await browser.render(pages.page(`/js-send?to=${encodeURIComponent(to)}`), {
        guard,
        timeoutMs: 10_000,
      });
      expect(rendered.text).toContain('Sent: '); // the attempts were made
    }
    await new Promise((r) => setTimeout(r, 300)); // anything in flight lands
    const sent = [...pages.requests.slice(before.pages), ...other.requests.slice(before.other)]
      .filter((r) => r.path === '/cors-open')
      .map((r) => r.method);
    expect(sent.filter((m) => m !== 'POST' && m !== 'OPTIONS')).toEqual([]);
    expect(sent).toContain('POST'); // a plain POST still goes, as from any browser (through the guard)
  });

  it('lets a public page reach no SCRAPE_ALLOW_HOSTS host, while a page on one may', async () => {
    // public.test stands for a public site (it is served by the fake); 127.0.0.1 is allow-listed.
    const publicWeb: UrlGuard = {
      allowed: (host) => guard.allowed(host),
      check: async (u) => void (await publicWeb.resolve(u)),
      resolve: async (u) => {
        const url = new URL(u);
        return url.hostname === 'public.test' ? { url, address: '127.0.0.1', family: 4 } : guard.resolve(url);
      },
    };
    const before = pages.requests.length;
    const rendered = await browser.render(
      `http://public.test:${pages.port}/js-fetch?to=${encodeURIComponent(pages.page('/secret'))}`,
      { guard: publicWeb, timeoutMs: 10_000 },
    );
    expect(rendered.text).toContain('finding 4 concerns loops');
    expect(rendered.text).toContain('The fetch was blocked.');
    const paths = pages.requests.slice(before).map((r) => r.path);
    expect(paths.some((p) => p.startsWith('/js-fetch'))).toBe(true);
    expect(paths.filter((p) => p.startsWith('/secret'))).toEqual([]); // neither the fetch nor the frame
    // A page on an allow-listed host keeps its subresources there (the other port is the same host).
    const start = other.requests.length;
    await browser.render(pages.page(`/js-fetch?to=${encodeURIComponent(other.page('/cors-open'))}`), {
      guard,
      timeoutMs: 10_000,
    });
    expect(other.requests.slice(start).some((r) => r.path === '/cors-open')).toBe(true);
  });
  it('sends another origin no request a browser would preflight (the router, not that origin, would answer the preflight)', async () => {
    const sentTo = async (target: FakePages) => {
      const before = target.requests.length;
      const rendered = await browser.render(
        pages.page(`/js-cors?to=${encodeURIComponent(target.page('/cors-open'))}`),
        {
          guard,
          timeoutMs: 10_000,
        },
      );
      // All three settled (each answered or refused) before the page says so.
      expect(rendered.text).toContain('Sent: ');
      return target.requests
        .slice(before)
        .filter((r) => r.path.startsWith('/cors-open'))
        .map((r) => `${r.method} ${r.path}`)
        .sort();
    };
    // A JSON POST with a custom header and a GET with one would have needed the other origin's
    // approval; a text/plain POST is what any form may send.
    expect(await sentTo(other)).toEqual(['POST /cors-open?k=plain']);
    // The page's own origin gets all three, as from any browser.
    expect(await sentTo(pages)).toEqual([
      'GET /cors-open?k=header',
      'POST /cors-open?k=json',
      'POST /cors-open?k=plain',
    ]);
  });

  it('does not follow a request a browser would preflight to another origin', async () => {
    const before = other.requests.length;
    const to = pages.page(`/redirect?to=${encodeURIComponent(other.page('/cors-open'))}`);
    const rendered = await browser.render(pages.page(`/js-cors?to=${encodeURIComponent(to)}`), {
      guard,
      timeoutMs: 10_000,
    });
    expect(rendered.text).toContain('Sent: '); // all three settled
    // Only the simple POST, turned into a GET by the 302, reached the other origin.
    expect(other.requests.slice(before).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /cors-open']);
  });

  it('routes and scripts a page opened ahead while its read waited exactly as any other', async () => {
    // A pool of its own, whose log says when a read takes the page opened ahead for it.
    const events: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        events.push(String((JSON.parse(chunk.toString()) as { event?: string }).event));
        done();
      },
    });
    const ahead = createBrowserPool({
      executablePath: CHROMIUM!,
      logger: createLogger({ level: 'debug', destination }),
      idleCloseMs: 300,
    });
    try {
      // The stalled page holds the one slot; the reads queued behind it get pages opened ahead.
      const stalled = new AbortController();
      const start = pages.requests.length;
      const holding = ahead.render(pages.page('/js-stall'), { guard, timeoutMs: 30_000, signal: stalled.signal });
      holding.catch(() => undefined);
      // Stalled: its page asked for the script that never answers (an open page has not always
      // asked for its document yet).
      await expect.poll(() => pathsSince(start).includes('/slow'), { timeout: 20_000, interval: 20 }).toBe(true);
      expect(ahead.counts().open).toBe(1);
      const before = pages.requests.length;
      const fetching = ahead.render(pages.page(`/js-fetch?to=http://localhost:${pages.port}/secret`), {
        guard,
        timeoutMs: 20_000,
      });
      const popups = ahead.render(pages.page('/popup'), { guard, timeoutMs: 20_000 });
      const escaping = ahead.render(pages.page('/escape?stun=127.0.0.2:9&ws=ws://127.0.0.2:9/'), {
        guard,
        timeoutMs: 20_000,
      });
      await expect
        .poll(() => ahead.counts(), { timeout: 10_000, interval: 20 })
        .toEqual({ open: 1, waiting: 3, ahead: 1 });
      stalled.abort(new Error('deadline'));
      await expect(holding).rejects.toMatchObject({ code: 'page_failed' });

      const [fetched, popped, escaped] = await Promise.all([fetching, popups, escaping]);
      // Each of the three was read in the page opened for it while it waited.
      expect(events.filter((e) => e === 'browser.page_ahead_taken')).toHaveLength(3);
      expect(fetched.text).toContain('The fetch was blocked.');
      expect(fetched.text).not.toContain(SECRET);
      expect(popped.title).toBe('Popup lab page');
      expect(escaped.text).toContain('WebRTC: unavailable.'); // the init script ran in it
      // No secret, and not one of the popups' pages.
      expect(pathsSince(before).filter((p) => !p.startsWith('/js-fetch') && !p.startsWith('/escape'))).toEqual([
        '/popup',
      ]);
      expect(ahead.counts()).toEqual({ open: 0, waiting: 0, ahead: 0 });
    } finally {
      await ahead.close();
    }
  });

  it('reads a page that opens popups, and opens none of them', async () => {
    const before = pages.requests.length;
    const rendered = await browser.render(pages.page('/popup'), { guard, timeoutMs: 10_000 });
    expect(rendered.title).toBe('Popup lab page');
    expect(rendered.text).toContain('finding 4 concerns loops');
    // window.open twice, a target=_blank link and a target=_blank form: none was fetched.
    expect(pathsSince(before)).toEqual(['/popup']);
  });

  it('stops a page that navigates itself in a loop after 5 loads, and reads the last one', async () => {
    for (const loop of ['/nav-loop', '/refresh-loop']) {
      const before = pages.requests.length;
      const rendered = await browser.render(pages.page(loop), { guard, timeoutMs: 10_000 });
      expect(rendered.text).toMatch(/^(Loop|Refresh) 4$/);
      expect(rendered.finalUrl).toBe(pages.page(`${loop}?n=4`));
      expect(pathsSince(before)).toHaveLength(5); // was 41 to 150
    }
  });

  it('fails only the page read whose route handling throws', async () => {
    const results = await Promise.all([
      failure(browser.render(pages.page('/js-only?throw'), { guard, timeoutMs: 10_000 })),
      failure(browser.render(pages.page('/js-only'), { guard, timeoutMs: 10_000 })),
    ]);
    expect(results).toEqual([
      `page_failed: ${pages.page('/js-only?throw')} could not be read: the browser failed while loading it (route handling broke)`,
      'read',
    ]);
    const after = await browser.render(pages.page('/js-fetch?to=/cors-open'), { guard, timeoutMs: 10_000 });
    expect(after.text).toContain('Fetched: open data for every origin');
  });
});
