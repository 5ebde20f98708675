/**
 * One Chromium for the whole worker, for the pages that need JavaScript: launched on first need,
 * pages one at a time by default, and closed after an idle period so an idle worker holds no
 * browser (Chromium with one page costs ~360 MB on a 1 GB Pi).
 *
 * Chromium does not ask Playwright's router about redirect hops, so a routed request that is simply
 * continued could be redirected anywhere. Instead every request the page makes is performed by us
 * (`guardedRequest`: each hop checked, connected to the checked address) and the answer handed back
 * with `route.fulfill`; refused ones are aborted. WebSockets are closed, service workers blocked,
 * and images, media and fonts never fetched (text is all we read).
 *
 * What the router never sees must not reach the network either: Chromium's own connections
 * (WebRTC, WebSockets opened in workers, preconnects) are sent to a proxy that does not exist, with
 * loopback included, and `RTCPeerConnection` is removed from every frame. Per page, the router
 * serves a few requests at a time, a bounded number and a bounded total of bytes (the answers pass
 * through this process's memory), and refuses SCRAPE_ALLOW_HOSTS hosts to a page not on one. Answers
 * without CORS headers get one that matches no origin: Playwright would otherwise allow the page's
 * origin, and a page could read any other site's answers.
 */
import fs from 'node:fs';
import type { Browser, Route } from 'playwright-core';
import { ErrorCode, PermanentError, ScribeError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { describeNetworkError, formatDuration } from './errors.ts';
import { guardedRequest, readCapped, RedirectError, type ByteBudget } from './guarded-http.ts';
import type { UrlGuard } from './ssrf.ts';

// Debian's /usr/bin/chromium and /usr/bin/chromium-headless-shell are shell wrappers; Playwright
// needs the binary itself.
const DEBIAN_BINARIES: Record<string, string> = {
  '/usr/bin/chromium': '/usr/lib/chromium/chromium',
  '/usr/bin/chromium-headless-shell': '/usr/lib/chromium/chromium-headless-shell',
};

/**
 * Fewer Chromium processes for one page at a time (docs/decisions.md, "A lighter browser"): no
 * zygote, one renderer, the GPU process folded into the browser, no out-of-process audio or
 * per-site processes. Requests are still all routed through Playwright to the Node guard.
 */
export const MEMORY_ARGS = [
  '--no-zygote',
  '--renderer-process-limit=1',
  '--in-process-gpu',
  '--disable-webgl',
  '--disable-features=AudioServiceOutOfProcess,IsolateOrigins,site-per-process',
] as const;
const DEAD_PROXY_PORT = 9;

const ARGS = [
  '--headless',
  '--no-sandbox', // the worker may run as root (Pi, containers), where the sandbox refuses to start
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-extensions',
  '--dns-prefetch-disable',
  '--mute-audio',
  // WebRTC may use UDP only through a proxy: with the dead proxy below, none at all.
  '--webrtc-ip-handling-policy=disable_non_proxied_udp',
  // Every request the router answers never reaches Chromium's network stack; the connections it
  // does not see (WebSockets in workers, preconnects, TURN over TCP) go to this proxy, which is
  // not there. Port 9 (discard): a port below 1024 cannot be taken by an unprivileged process, so
  // no other program on the machine can start listening there and receive the traffic, as one
  // could on a free port picked at start; nothing serves discard today. `<-loopback>` removes
  // Chromium's implicit bypass for localhost and 127.0.0.0/8, which would connect them directly.
  `--proxy-server=http://127.0.0.1:${DEAD_PROXY_PORT}`,
  '--proxy-bypass-list=<-loopback>',
];

/** Runs in every frame before the page's scripts: no WebRTC at all (belt and braces with the flags). */
const NO_WEBRTC = `for (const name of ['RTCPeerConnection', 'webkitRTCPeerConnection', 'mozRTCPeerConnection', 'RTCDataChannel', 'RTCIceCandidate', 'RTCSessionDescription']) {
  try { delete globalThis[name]; } catch {}
}`;

/**
 * The Access-Control-Allow-Origin given to answers that had none: an origin no page can have
 * (.invalid never resolves), so Chromium's CORS check fails as it would have without Playwright.
 */
export const NO_CORS_ORIGIN = 'https://no-cors.invalid';

const SKIPPED = new Set(['image', 'media', 'font', 'eventsource', 'websocket', 'manifest']);
const READ_METHODS = new Set(['GET', 'HEAD', 'POST']);
const HOP_BY_HOP = new Set(['content-length', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive']);

export interface BrowserPoolOptions {
  executablePath: string;
  logger: Logger;
  /** Close the browser after this long without pages. Default 30 s. */
  idleCloseMs?: number | undefined;
  /** Pages open at once. Default 1. */
  maxConcurrentPages?: number | undefined;
  /** Characters of page text kept at most. Default 200,000. */
  maxTextChars?: number | undefined;
  /** Per page: requests served at once (the rest wait). Default 6. */
  maxConcurrentRequests?: number | undefined;
  /** Per page: requests served, the page itself included (the rest are aborted). Default 150. */
  maxRequests?: number | undefined;
  /**
   * Per page: bytes of all its subresources together (the rest are aborted). Default 4 MB: each
   * body served is copied several times on its way to Chromium, so this bounds the worker's growth
   * per page (docs/decisions.md). The page's own document has its own allowance (`maxBytes`).
   */
  maxTotalBytes?: number | undefined;
  /** Flags added after the fixed ones. Default MEMORY_ARGS (the bench compares others). */
  extraArgs?: readonly string[] | undefined;
}

export interface RenderedPage {
  finalUrl: string;
  title: string;
  text: string;
}

export interface RenderOptions {
  guard: UrlGuard;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  /** Per response the page loads. Default 2 MB. */
  maxBytes?: number | undefined;
}

export interface BrowserPool {
  /** Loads `url` in a fresh context and returns its visible text; throws `page_failed`/`page_refused`. */
  render(url: string, options: RenderOptions): Promise<RenderedPage>;
  isRunning(): boolean;
  /** The browser process id, while one runs (memory benchmarks). */
  pid(): number | undefined;
  close(): Promise<void>;
}

/** The executable Playwright should start: Debian's real binary for its /usr/bin/chromium wrapper. */
export function resolveChromium(path: string): string {
  const binary = DEBIAN_BINARIES[path];
  return binary && fs.existsSync(binary) ? binary : path;
}

/** The browser's main process: our child process whose name is chromium (Linux /proc). */
function chromiumChildPid(): number | undefined {
  try {
    for (const entry of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      // "pid (comm) state ppid …"; comm may contain spaces, so split after the last ')'.
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === process.pid && /chrom/i.test(comm)) return Number(entry);
    }
  } catch {
    // not Linux, or /proc unreadable
  }
  return undefined;
}

/** A lazily launched, idle-closed shared Chromium. */
export function createBrowserPool(options: BrowserPoolOptions): BrowserPool {
  const idleCloseMs = options.idleCloseMs ?? 30_000;
  const maxPages = options.maxConcurrentPages ?? 1;
  const maxTextChars = options.maxTextChars ?? 200_000;
  const limits = {
    concurrent: options.maxConcurrentRequests ?? 6,
    requests: options.maxRequests ?? 150,
    bytes: options.maxTotalBytes ?? 4_000_000,
  };
  let browser: Promise<Browser> | undefined;
  let browserPid: number | undefined;
  let active = 0;
  const waiting: (() => void)[] = [];
  let idleTimer: NodeJS.Timeout | undefined;

  const launch = (): Promise<Browser> => {
    if (browser) return browser;
    // Imported on first need: playwright-core alone adds ~80 MB to a process that never scrapes.
    const launching: Promise<Browser> = import('playwright-core')
      .then(({ chromium }) =>
        chromium.launch({
          executablePath: resolveChromium(options.executablePath),
          args: [...ARGS, ...(options.extraArgs ?? MEMORY_ARGS)],
          headless: true,
        }),
      )
      .then((b) => {
        browserPid = chromiumChildPid();
        options.logger.info({ pid: browserPid }, 'browser launched');
        b.on('disconnected', () => {
          if (browser === launching) browser = undefined;
        });
        return b;
      })
      .catch((err: unknown) => {
        if (browser === launching) browser = undefined;
        throw new ScribeError(
          ErrorCode.PageFailed,
          `the browser could not start (${options.executablePath}): ${firstLine(err)}`,
          { cause: err },
        );
      });
    browser = launching;
    return launching;
  };

  // A slot is handed straight from the page that finishes to the next one waiting, so the idle
  // timer only starts when no page is open or waiting.
  const acquire = async () => {
    clearTimeout(idleTimer);
    if (active < maxPages) {
      active += 1;
      return;
    }
    await new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = () => {
    const next = waiting.shift();
    if (next) return next();
    active -= 1;
    if (active === 0) {
      idleTimer = setTimeout(() => void pool.close(), idleCloseMs);
      idleTimer.unref();
    }
  };

  async function renderIn(
    b: Browser,
    url: string,
    { guard, timeoutMs, signal, maxBytes = 2_000_000 }: RenderOptions,
  ): Promise<RenderedPage> {
    const done = new AbortController();
    const deadline = AbortSignal.timeout(timeoutMs);
    const requests = AbortSignal.any([done.signal, deadline, ...(signal ? [signal] : [])]);
    // Why the page's own document could not be fetched: a better message than Chromium's net::ERR_*.
    let documentFailure: unknown;
    let finalUrl = url;
    const context = await b.newContext({ javaScriptEnabled: true, serviceWorkers: 'block', acceptDownloads: false });
    const served = servedRequests(limits, requests, (what) =>
      options.logger.info({ url, ...limits }, `page makes ${what}; the rest are aborted`),
    );
    const pageGuard = forPage(guard, url);
    try {
      await context.addInitScript({ content: NO_WEBRTC });
      await context.routeWebSocket(/.*/, (ws) => ws.close({ code: 1008, reason: 'not allowed' }));
      await context.route('**/*', async (route: Route) => {
        const request = route.request();
        if (SKIPPED.has(request.resourceType())) return route.abort('blockedbyclient').catch(() => undefined);
        // A page is read, not used: nothing it sends may change anything anywhere. GET and HEAD
        // read; a POST is what a form or a search box sends (same as any browser, through the guard).
        // PUT, DELETE, PATCH and the rest would need a CORS preflight, which Playwright answers
        // itself (allowing every origin), so they are refused here instead.
        if (!READ_METHODS.has(request.method())) return route.abort('blockedbyclient').catch(() => undefined);
        const isDocument = request.isNavigationRequest() && request.frame().parentFrame() === null;
        const slot = await served.acquire();
        if (!slot) return route.abort('blockedbyclient').catch(() => undefined);
        try {
          const headers = await request.allHeaders();
          const answer = await guardedRequest(request.url(), pageGuard, {
            method: request.method(),
            headers,
            body: request.postDataBuffer() ?? undefined,
            signal: requests,
          });
          // The document is the page: it is read to its own cap, and the budget is for what it loads.
          const { bytes, truncated } = await readCapped(
            answer.response,
            maxBytes,
            isDocument ? undefined : served.budget,
          );
          if (truncated && served.budget.left <= 0 && !isDocument) {
            served.exhausted();
            return await route.abort('blockedbyclient').catch(() => undefined);
          }
          if (isDocument) finalUrl = answer.finalUrl;
          await served.oneAtATime(() =>
            route.fulfill({
              status: answer.response.statusCode ?? 200,
              headers: responseHeaders(answer.response.headers),
              body: bytes,
            }),
          );
        } catch (err) {
          if (isDocument) documentFailure ??= err;
          options.logger.debug({ url: request.url(), err }, 'browser request not served');
          await route.abort(err instanceof ScribeError ? 'blockedbyclient' : 'failed').catch(() => undefined);
        } finally {
          slot.release();
        }
      });
      const page = await context.newPage();
      const onAbort = () => void page.close().catch(() => undefined);
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        await page.goto(url, { timeout: timeoutMs, waitUntil: 'domcontentloaded' });
        // Let scripts that fill the page run; a page that keeps the network busy is cut off.
        await page.waitForLoadState('networkidle', { timeout: Math.min(5_000, timeoutMs) }).catch(() => undefined);
        // A string expression: the project's types have no DOM library.
        const [title, text] = await Promise.all([
          page.title(),
          page.evaluate('document.body ? document.body.innerText : ""'),
        ]);
        return { finalUrl, title, text: String(text).slice(0, maxTextChars) };
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    } catch (err) {
      if (signal?.aborted)
        throw new ScribeError(ErrorCode.PageFailed, `${url} could not be read: cancelled`, { cause: err });
      if (deadline.aborted || /Timeout/i.test(firstLine(err))) {
        throw new ScribeError(
          ErrorCode.PageFailed,
          `${url} could not be read: timed out after ${formatDuration(timeoutMs)} in the browser`,
          { cause: err },
        );
      }
      if (documentFailure instanceof ScribeError) throw documentFailure; // refused by the guard, or no such host
      if (err instanceof ScribeError) throw err;
      const why = documentFailure
        ? documentFailure instanceof RedirectError
          ? documentFailure.message
          : describeNetworkError(documentFailure)
        : firstLine(err);
      throw new ScribeError(ErrorCode.PageFailed, `${url} could not be read: ${why}`, { cause: err });
    } finally {
      done.abort();
      await context.close().catch(() => undefined);
    }
  }

  const pool: BrowserPool = {
    async render(url, renderOptions) {
      await acquire();
      try {
        return await renderIn(await launch(), url, renderOptions);
      } finally {
        release();
      }
    },
    isRunning: () => browser !== undefined,
    pid: () => (browser ? browserPid : undefined),
    async close() {
      clearTimeout(idleTimer);
      const current = browser;
      browser = undefined;
      browserPid = undefined;
      if (!current) return;
      const b = await current.catch(() => undefined);
      await b?.close().catch(() => undefined);
      options.logger.info('browser closed');
    },
  };
  return pool;
}

/**
 * Response headers as `route.fulfill` takes them; Playwright splits Set-Cookie on newlines. An
 * answer without Access-Control-Allow-Origin gets `NO_CORS_ORIGIN`: Playwright adds the page's
 * own origin (and allow-credentials) when the header is missing, which would let any page read
 * any other origin's answers.
 */
export function responseHeaders(headers: NodeJS.Dict<string | string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(name === 'set-cookie' ? '\n' : ', ') : value;
  }
  out['access-control-allow-origin'] ??= NO_CORS_ORIGIN;
  return out;
}

/**
 * The guard for everything a page loads: a page whose host is not on SCRAPE_ALLOW_HOSTS may not
 * load from those hosts (they are private ones trusted for themselves, not a way in for any public
 * page). Applies to every request and redirect hop of the render, top-level navigations included.
 */
export function forPage(guard: UrlGuard, pageUrl: string): UrlGuard {
  const hostOf = (u: string | URL) => (URL.canParse(String(u)) ? new URL(u).hostname : '');
  if (guard.allowed(hostOf(pageUrl))) return guard;
  const pageGuard: UrlGuard = {
    allowed: (host) => guard.allowed(host),
    check: async (u) => void (await pageGuard.resolve(u)),
    async resolve(u) {
      if (guard.allowed(hostOf(u))) {
        throw new PermanentError(
          ErrorCode.PageRefused,
          `${String(u)} was not read: a page outside SCRAPE_ALLOW_HOSTS may not load from those hosts`,
        );
      }
      return guard.resolve(u);
    },
  };
  return pageGuard;
}

interface Slot {
  release(): void;
}

/**
 * A page's request allowance: at most `concurrent` served at once (the rest wait, in order), at
 * most `requests` in all, and `budget` bytes for all answers together. `acquire` resolves
 * undefined for a request to abort; `onLimit` is called once per kind of limit reached.
 */
function servedRequests(
  limits: { concurrent: number; requests: number; bytes: number },
  signal: AbortSignal,
  onLimit: (what: string) => void,
): {
  acquire(): Promise<Slot | undefined>;
  budget: ByteBudget;
  exhausted(): void;
  oneAtATime(fulfil: () => Promise<void>): Promise<void>;
} {
  let active = 0;
  let started = 0;
  const waiting: (() => void)[] = [];
  const budget: ByteBudget = { left: limits.bytes };
  const said = new Set<string>();
  const limit = (what: string) => {
    if (!said.has(what)) onLimit(what);
    said.add(what);
    return undefined;
  };
  const wakeAll = () => {
    for (const wake of waiting.splice(0)) wake();
  };
  signal.addEventListener('abort', wakeAll, { once: true });
  const release = () => {
    active -= 1;
    // Once the bytes are spent, every waiting request is to be aborted now, not one per release.
    if (budget.left <= 0) wakeAll();
    else waiting.shift()?.();
  };
  let fulfilling: Promise<void> = Promise.resolve();
  return {
    budget,
    // Handing a body to Chromium makes several copies of it (base64, the protocol message): one
    // body at a time keeps those copies from piling up.
    oneAtATime(fulfil) {
      const next = fulfilling.then(fulfil);
      fulfilling = next.catch(() => undefined);
      return next;
    },
    exhausted: () => void limit(`more than ${limits.bytes.toLocaleString('en')} bytes of requests`),
    async acquire() {
      if (started >= limits.requests) return limit(`more than ${limits.requests} requests`);
      started += 1;
      while (active >= limits.concurrent && !signal.aborted && budget.left > 0)
        await new Promise<void>((wake) => waiting.push(wake));
      if (signal.aborted) return undefined;
      if (budget.left <= 0) return limit(`more than ${limits.bytes.toLocaleString('en')} bytes of requests`);
      active += 1;
      let released = false;
      return {
        release() {
          if (released) return;
          released = true;
          release();
        },
      };
    },
  };
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}
