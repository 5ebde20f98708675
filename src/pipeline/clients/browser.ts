/**
 * One Chromium for the whole worker, for the pages that need JavaScript: launched on first need,
 * pages one at a time by default, and closed after an idle period so an idle worker holds no
 * browser (Chromium with one page costs ~360 MB on a 1 GB Pi). Each page is read in a fresh
 * context whose every request goes through our router (`browser-router.ts`).
 *
 * What the router never sees must not reach the network either: Chromium's own connections
 * (WebRTC, WebSockets opened in workers, preconnects) are sent to a proxy that does not exist, with
 * loopback included.
 */
import fs from 'node:fs';
import type { Browser, BrowserContext, HTTPRequest, Page } from 'puppeteer-core';
import { ErrorCode, ScribeError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { routePage, type PageRouter, type RouterLimits } from './browser-router.ts';
import { describeNetworkError, formatDuration } from './errors.ts';
import { RedirectError } from './guarded-http.ts';
import type { UrlGuard } from './ssrf.ts';

// Debian's /usr/bin/chromium and /usr/bin/chromium-headless-shell are shell wrappers; Puppeteer
// needs the binary itself (it talks to it over a pipe and waits for it by its pid).
const DEBIAN_BINARIES: Record<string, string> = {
  '/usr/bin/chromium': '/usr/lib/chromium/chromium',
  '/usr/bin/chromium-headless-shell': '/usr/lib/chromium/chromium-headless-shell',
};

/**
 * Fewer Chromium processes for one page at a time (docs/decisions.md, "A lighter browser"): no
 * zygote, one renderer, the GPU process and the network service folded into the browser, no
 * out-of-process audio or per-site processes. Requests are still all routed through Puppeteer to
 * the Node guard. The network service in the browser process saves one process and ~11 MB of PSS
 * (docs/decisions.md, "Four at once on a 1 GB box").
 */
export const MEMORY_ARGS = [
  '--no-zygote',
  '--renderer-process-limit=1',
  '--in-process-gpu',
  '--disable-webgl',
  '--disable-features=AudioServiceOutOfProcess,IsolateOrigins,site-per-process',
  '--enable-features=NetworkServiceInProcess2',
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

export interface BrowserPoolOptions {
  executablePath: string;
  logger: Logger;
  /** Close the browser after this long without pages. Default 30 s. */
  idleCloseMs?: number | undefined;
  /** Pages open at once. Default 1. */
  maxConcurrentPages?: number | undefined;
  /**
   * How long a page's scripts may keep the network busy after it loaded before its text is read
   * (capped by the page's own deadline). Default 5 s.
   */
  settleMs?: number | undefined;
  /**
   * The page is read once none of its requests has been in flight for this long and its scripts
   * have let a task run since (`settle`). Default 250 ms (Puppeteer's `networkidle0` waits 500 ms).
   */
  quietMs?: number | undefined;
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
  /** Per page: top-level navigations, the first load included (the rest are aborted). Default 5. */
  maxNavigations?: number | undefined;
  /**
   * Restart the browser after this many reads (when the read that reaches it ends; the next read
   * launches a fresh one), so a busy worker whose browser never idles out does not keep whatever
   * its renderer has accumulated. Default 50.
   */
  recycleAfterReads?: number | undefined;
  /** Flags added after the fixed ones. Default MEMORY_ARGS (the bench compares others). */
  extraArgs?: readonly string[] | undefined;
  /** Test hook: called with each request a page makes, as it is routed; what it throws fails that page read. */
  onRequest?: ((request: HTTPRequest) => void | Promise<void>) | undefined;
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
  /**
   * Pages open now (each in its context, from its opening until the context is closed), reads
   * waiting for a slot, and pages opened ahead for a waiting read (0 or 1): all back to 0 once every
   * read has ended, a cancelled or cut-off one too.
   */
  counts(): { open: number; waiting: number; ahead: number };
  /** The browser process id, while one runs (memory benchmarks). */
  pid(): number | undefined;
  close(): Promise<void>;
}

/** The executable Puppeteer should start: Debian's real binary for its /usr/bin/chromium wrapper. */
export function resolveChromium(path: string): string {
  const binary = DEBIAN_BINARIES[path];
  return binary && fs.existsSync(binary) ? binary : path;
}

/** A fresh context with its one page. */
interface Opened {
  context: BrowserContext;
  page: Page;
}

/** A lazily launched, idle-closed shared Chromium. */
export function createBrowserPool(options: BrowserPoolOptions): BrowserPool {
  const idleCloseMs = options.idleCloseMs ?? 30_000;
  const settleMs = options.settleMs ?? 5_000;
  const quietMs = options.quietMs ?? 250;
  const maxPages = options.maxConcurrentPages ?? 1;
  const recycleAfterReads = options.recycleAfterReads ?? 50;
  let reads = 0;
  const maxTextChars = options.maxTextChars ?? 200_000;
  const limits: RouterLimits = {
    concurrent: options.maxConcurrentRequests ?? 6,
    requests: options.maxRequests ?? 150,
    bytes: options.maxTotalBytes ?? 4_000_000,
    navigations: options.maxNavigations ?? 5,
  };
  let browser: Promise<Browser> | undefined;
  let browserPid: number | undefined;
  let active = 0;
  let open = 0;
  // A context with its page opened ahead for the next read while reads wait for a slot: opening
  // one starts a renderer process (~0.2 s here, more on a Pi), which then overlaps the page being
  // read instead of adding to the next read. Never opened when nothing waits (no extra renderer for
  // one read at a time); closed when the last read ends and nothing waits.
  let spare: { browser: Browser; opened: Promise<Opened | undefined> } | undefined;
  const crashed = new WeakSet<Page>();
  const openPage = async (b: Browser): Promise<Opened> => {
    const context = await b.createBrowserContext({ downloadBehavior: { policy: 'deny' } });
    try {
      const page = await context.newPage();
      page.once('error', () => crashed.add(page)); // its renderer crashed (one it shared ended with another page)
      return { context, page };
    } catch (err) {
      await context.close().catch(() => undefined);
      throw err;
    }
  };
  const prepareSpare = (b: Browser) => {
    if (spare || waiting.length === 0) return;
    const opened = openPage(b).catch(() => undefined); // the read that wanted it opens its own
    spare = { browser: b, opened };
  };
  /** The spare if it was opened in `b` (the next read's), else a new context and page. */
  const takePage = async (b: Browser): Promise<Opened> => {
    const taken = spare;
    spare = undefined;
    if (taken?.browser === b) {
      const opened = await taken.opened;
      if (opened && !opened.page.isClosed() && !crashed.has(opened.page)) {
        options.logger.debug({ event: 'browser.page_ahead_taken' }, 'read in the page opened ahead');
        return opened;
      }
      await opened?.context.close().catch(() => undefined);
    } else if (taken) {
      void taken.opened.then((o) => o?.context.close().catch(() => undefined));
    }
    return openPage(b);
  };
  const dropSpare = () => {
    const dropped = spare;
    spare = undefined;
    void dropped?.opened.then((o) => o?.context.close().catch(() => undefined));
  };
  const waiting: (() => void)[] = [];
  let idleTimer: NodeJS.Timeout | undefined;

  const launch = (): Promise<Browser> => {
    if (browser) return browser;
    // Imported on first need: puppeteer-core adds ~30 MB to a process that never scrapes.
    const launching: Promise<Browser> = import('puppeteer-core')
      .then(({ default: puppeteer }) =>
        puppeteer.launch({
          executablePath: resolveChromium(options.executablePath),
          args: [...ARGS, ...(options.extraArgs ?? MEMORY_ARGS), '--no-startup-window'],
          // No first tab (Puppeteer opens about:blank): it would be one more renderer process, as
          // each context has its own, for nothing.
          waitForInitialPage: false,
          headless: 'shell',
          // The DevTools protocol over the child's pipes: no debugging port for another local
          // process to connect to.
          pipe: true,
          // Puppeteer allows popups; the router also closes any that get through.
          ignoreDefaultArgs: ['--disable-popup-blocking', 'about:blank'],
          // The pages' own size; no per-page emulation call, nor the DevTools issues feed.
          defaultViewport: null,
          issuesEnabled: false,
          // The service's own shutdown closes the browser (pool.close()).
          handleSIGINT: false,
          handleSIGTERM: false,
          handleSIGHUP: false,
        }),
      )
      .then((b) => {
        browserPid = b.process()?.pid;
        options.logger.info({ pid: browserPid }, 'browser launched');
        b.on('disconnected', () => {
          if (browser === launching) browser = undefined;
        });
        reads = 0;
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
  // A read aborted while it waits (cancelled, or research's deadline passed) leaves the queue at
  // once rather than taking a slot only to give it back.
  const acquire = async (signal: AbortSignal | undefined) => {
    clearTimeout(idleTimer);
    if (active < maxPages) {
      active += 1;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const at = waiting.indexOf(take);
        if (at >= 0) waiting.splice(at, 1);
        if (waiting.length === 0) dropSpare(); // nobody left to take it
        reject(signal?.reason);
      };
      const take = () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      };
      waiting.push(take);
      signal?.addEventListener('abort', onAbort, { once: true });
      // The browser is busy with a page: this read's page is opened meanwhile.
      void browser?.then(prepareSpare, () => undefined);
    });
  };
  const release = () => {
    const next = waiting.shift();
    if (next) return next();
    active -= 1;
    if (active === 0) {
      dropSpare(); // its read gave up waiting
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
    const { context, page } = await takePage(b);
    open += 1;
    let router: PageRouter | undefined;
    try {
      prepareSpare(b);
      // Installed on the open page before it loads anything.
      router = await routePage(page, {
        url,
        guard,
        limits,
        maxBytes,
        signal: requests,
        logger: options.logger,
        onRequest: options.onRequest,
      });
      // Cancelled, or a callback failed: closing the page ends whatever the read is waiting on.
      const stop = AbortSignal.any([router.failed, ...(signal ? [signal] : [])]);
      const onStop = () => void page.close().catch(() => undefined);
      stop.addEventListener('abort', onStop, { once: true });
      if (stop.aborted) onStop(); // aborted while the context was being set up
      try {
        // A page that navigates away past its allowance while loading never finishes loading:
        // its last document is read as it stands.
        const spent = abortedPromise(router.navigationsSpent);
        const loaded = page.goto(url, { timeout: timeoutMs, waitUntil: 'domcontentloaded' });
        loaded.catch(() => undefined);
        await Promise.race([loaded, spent]);
        // Let scripts that fill the page run; a page that keeps the network busy is cut off.
        const settling = new AbortController();
        const cap = setTimeout(() => settling.abort(), Math.min(settleMs, timeoutMs));
        try {
          await Promise.race([
            settle(page, router, quietMs, settling.signal).catch(() => undefined),
            spent,
            abortedPromise(settling.signal), // capped even while the page's task is still queued
          ]);
        } finally {
          clearTimeout(cap);
          settling.abort();
        }
        // A string expression: the project's types have no DOM library.
        const [title, text] = (await page.evaluate(
          '[document.title, document.body ? document.body.innerText : ""]',
        )) as [unknown, unknown];
        if (router.failure !== undefined) throw router.failure;
        // Cancelled while the page was being closed: aborting its requests can let it finish loading
        // (a blocking script that fails lets the parser go on) before the close lands. Not a read.
        signal?.throwIfAborted();
        return { finalUrl: router.finalUrl, title: String(title), text: String(text).slice(0, maxTextChars) };
      } finally {
        stop.removeEventListener('abort', onStop);
      }
    } catch (err) {
      throw readFailure(url, err, { router, signal, deadline, timeoutMs });
    } finally {
      done.abort();
      await context.close().catch(() => undefined);
      open -= 1;
    }
  }

  const pool: BrowserPool = {
    async render(url, renderOptions) {
      const cancelled = (cause?: unknown) =>
        new ScribeError(ErrorCode.PageFailed, `${url} could not be read: cancelled`, { cause });
      if (renderOptions.signal?.aborted) throw cancelled(renderOptions.signal.reason);
      await acquire(renderOptions.signal).catch((err: unknown) => {
        throw cancelled(err);
      });
      try {
        const b = await launch();
        try {
          return await renderIn(b, url, renderOptions);
        } finally {
          reads += 1;
          // The last page of this browser: closed before the slot is handed on, so the next read
          // launches a fresh one (never under a page still open).
          if (reads >= recycleAfterReads && open === 0 && browser !== undefined) {
            reads = 0;
            options.logger.info({ event: 'browser.recycled', after: recycleAfterReads }, 'browser recycled');
            await pool.close();
          }
        }
      } finally {
        release();
      }
    },
    isRunning: () => browser !== undefined,
    counts: () => ({ open, waiting: waiting.length, ahead: spare ? 1 : 0 }),
    pid: () => (browser ? browserPid : undefined),
    async close() {
      clearTimeout(idleTimer);
      dropSpare();
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

/** The `page_failed`/`page_refused` error a page read ends with, saying why in words. */
function readFailure(
  url: string,
  err: unknown,
  why: { router: PageRouter | undefined; signal: AbortSignal | undefined; deadline: AbortSignal; timeoutMs: number },
): ScribeError {
  const failed = (reason: string) =>
    new ScribeError(ErrorCode.PageFailed, `${url} could not be read: ${reason}`, { cause: err });
  if (why.signal?.aborted) return failed('cancelled');
  if (why.router?.failure !== undefined)
    return failed(`the browser failed while loading it (${firstLine(why.router.failure)})`);
  if (why.deadline.aborted || /Timeout/i.test(firstLine(err)))
    return failed(`timed out after ${formatDuration(why.timeoutMs)} in the browser`);
  const documentFailure = why.router?.documentFailure;
  if (documentFailure instanceof ScribeError) return documentFailure; // refused by the guard, or no such host
  if (err instanceof ScribeError) return err;
  if (documentFailure instanceof RedirectError) return failed(documentFailure.message);
  return failed(documentFailure ? describeNetworkError(documentFailure) : firstLine(err));
}

/**
 * Resolves when the page looks done: none of its requests in flight for `quietMs`, and then a task
 * run on its main thread without a new request having started meanwhile. The second half is for
 * slow CPUs (a Pi): a large script still being compiled or run when the network went quiet starts
 * its requests only after, and the evaluation waits behind it. Rejects when `signal` aborts.
 */
async function settle(page: Page, router: PageRouter, quietMs: number, signal: AbortSignal): Promise<void> {
  for (;;) {
    await router.networkQuiet(quietMs, signal);
    const seen = router.requestsSeen;
    // Runs once the main thread is free, then gives a request just started 50 ms to reach the
    // router. A navigation destroys the context it runs in: its requests restart the wait.
    await page.evaluate('new Promise((resolve) => setTimeout(resolve, 50))').catch(() => undefined);
    if (signal.aborted || page.isClosed() || router.requestsSeen === seen) return;
  }
}

/** Resolves once `signal` is aborted. */
function abortedPromise(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) =>
    signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true }),
  );
}

function firstLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0] ?? '';
}
