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
 */
import fs from 'node:fs';
import type { Browser, Route } from 'playwright-core';
import { ErrorCode, ScribeError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { describeNetworkError, formatDuration } from './errors.ts';
import { guardedRequest, readCapped, RedirectError } from './guarded-http.ts';
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
  '--force-webrtc-ip-handling-policy=disable_non_proxied_udp',
  '--mute-audio',
];

const SKIPPED = new Set(['image', 'media', 'font', 'eventsource', 'websocket', 'manifest']);
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
  let browser: Promise<Browser> | undefined;
  let browserPid: number | undefined;
  let active = 0;
  const waiting: (() => void)[] = [];
  let idleTimer: NodeJS.Timeout | undefined;

  const launch = (): Promise<Browser> => {
    if (browser) return browser;
    // Imported on first need: playwright-core alone adds ~80 MB to a process that never scrapes.
    const launching: Promise<Browser> = import('playwright-core')
      .then(({ chromium }) => chromium.launch({ executablePath: resolveChromium(options.executablePath), args: [...ARGS, ...(options.extraArgs ?? MEMORY_ARGS)], headless: true }))
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
        throw new ScribeError(ErrorCode.PageFailed, `the browser could not start (${options.executablePath}): ${firstLine(err)}`, { cause: err });
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

  async function renderIn(b: Browser, url: string, { guard, timeoutMs, signal, maxBytes = 2_000_000 }: RenderOptions): Promise<RenderedPage> {
    const done = new AbortController();
    const deadline = AbortSignal.timeout(timeoutMs);
    const requests = AbortSignal.any([done.signal, deadline, ...(signal ? [signal] : [])]);
    // Why the page's own document could not be fetched: a better message than Chromium's net::ERR_*.
    let documentFailure: unknown;
    let finalUrl = url;
    const context = await b.newContext({ javaScriptEnabled: true, serviceWorkers: 'block', acceptDownloads: false });
    try {
      await context.routeWebSocket(/.*/, (ws) => ws.close({ code: 1008, reason: 'not allowed' }));
      await context.route('**/*', async (route: Route) => {
        const request = route.request();
        if (SKIPPED.has(request.resourceType())) return route.abort('blockedbyclient').catch(() => undefined);
        const isDocument = request.isNavigationRequest() && request.frame().parentFrame() === null;
        try {
          const headers = await request.allHeaders();
          const answer = await guardedRequest(request.url(), guard, {
            method: request.method(),
            headers,
            body: request.postDataBuffer() ?? undefined,
            signal: requests,
          });
          const { bytes } = await readCapped(answer.response, maxBytes);
          if (isDocument) finalUrl = answer.finalUrl;
          await route.fulfill({ status: answer.response.statusCode ?? 200, headers: responseHeaders(answer.response.headers), body: bytes });
        } catch (err) {
          if (isDocument) documentFailure ??= err;
          options.logger.debug({ url: request.url(), err }, 'browser request not served');
          await route.abort(err instanceof ScribeError ? 'blockedbyclient' : 'failed').catch(() => undefined);
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
        const [title, text] = await Promise.all([page.title(), page.evaluate('document.body ? document.body.innerText : ""')]);
        return { finalUrl, title, text: String(text).slice(0, maxTextChars) };
      } finally {
        signal?.removeEventListener('abort', onAbort);
      }
    } catch (err) {
      if (signal?.aborted) throw new ScribeError(ErrorCode.PageFailed, `${url} could not be read: cancelled`, { cause: err });
      if (deadline.aborted || /Timeout/i.test(firstLine(err))) {
        throw new ScribeError(ErrorCode.PageFailed, `${url} could not be read: timed out after ${formatDuration(timeoutMs)} in the browser`, { cause: err });
      }
      if (documentFailure instanceof ScribeError) throw documentFailure; // refused by the guard, or no such host
      if (err instanceof ScribeError) throw err;
      const why = documentFailure ? (documentFailure instanceof RedirectError ? documentFailure.message : describeNetworkError(documentFailure)) : firstLine(err);
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

/** Response headers as `route.fulfill` takes them; Playwright splits Set-Cookie on newlines. */
function responseHeaders(headers: NodeJS.Dict<string | string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    out[name] = Array.isArray(value) ? value.join(name === 'set-cookie' ? '\n' : ', ') : value;
  }
  return out;
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}
