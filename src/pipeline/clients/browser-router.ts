/**
 * The request router of one page read in the shared browser. Chromium does not pause redirect hops
 * for the DevTools protocol's request interception, so a paused request that is simply continued
 * could be redirected anywhere. Instead every request the page makes is performed by us
 * (`guardedRequest`: each hop checked, connected to the checked address) and the answer handed back
 * with `request.respond`; refused ones are aborted. Images, media and fonts are never fetched (text
 * is all we read), popups closed unread.
 *
 * Per page, the router serves a few requests at a time, a bounded number, a bounded total of bytes
 * (the answers pass through this process's memory) and a handful of top-level navigations (a
 * meta-refresh loop would load the page forever), and refuses SCRAPE_ALLOW_HOSTS hosts to a page
 * not on one. A request a browser would preflight is refused when it goes to another origin (its
 * preflight would be the router's to answer, not that origin's); Chromium applies its own CORS
 * checks to every answer handed back.
 *
 * What the router never sees (a popup's requests, WebSockets, a worker's own connections) goes to
 * Chromium's network stack, which sends everything to a proxy that is not there (browser.ts).
 *
 * Nothing thrown inside a Puppeteer event handler may escape it: Puppeteer calls them from its
 * connection's message loop, so a throw there is an unhandled rejection and Node exits, with every
 * generation in flight. Each handler is wrapped; an error in one fails this page read only.
 */
import type { ErrorCode as AbortReason, HTTPRequest, Page } from 'puppeteer-core';
import { ErrorCode, PermanentError, ScribeError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import { isCrossOrigin, isSimpleRequest } from './cors.ts';
import { guardedRequest, readCapped, type ByteBudget } from './guarded-http.ts';
import type { UrlGuard } from './ssrf.ts';

const SKIPPED = new Set(['image', 'media', 'font', 'eventsource', 'websocket', 'manifest']);
const SCRIPTED = new Set(['fetch', 'xhr']);
const READ_METHODS = new Set(['GET', 'HEAD', 'POST']);
const HOP_BY_HOP = new Set(['content-length', 'content-encoding', 'transfer-encoding', 'connection', 'keep-alive']);

/** Runs in every frame before the page's scripts: no WebRTC, no popups (belt and braces with the flags and the router). */
const INIT_SCRIPT = `for (const name of ['RTCPeerConnection', 'webkitRTCPeerConnection', 'mozRTCPeerConnection', 'RTCDataChannel', 'RTCIceCandidate', 'RTCSessionDescription']) {
  try { delete globalThis[name]; } catch {}
}
try { Object.defineProperty(globalThis, 'open', { value: () => null }); } catch {}`;

export interface RouterLimits {
  /** Requests served at once (the rest wait). */
  concurrent: number;
  /** Requests served, the page itself included (the rest are aborted). */
  requests: number;
  /** Bytes of all subresources together (the rest are aborted). */
  bytes: number;
  /** Top-level navigations, the first load included (the rest are aborted; the read keeps what it has). */
  navigations: number;
}

export interface RouterOptions {
  /** The page being read. */
  url: string;
  guard: UrlGuard;
  limits: RouterLimits;
  /** Per response. */
  maxBytes: number;
  /** Aborts every request in flight (the read is over, timed out or cancelled). */
  signal: AbortSignal;
  logger: Logger;
  /** Test hook: called with each request as the router takes it; what it throws fails that page read. */
  onRequest?: ((request: HTTPRequest) => void | Promise<void>) | undefined;
}

export interface PageRouter {
  /** Where the page's document came from, after redirects. */
  readonly finalUrl: string;
  /** Why the page's own document could not be fetched: a better message than Chromium's net::ERR_*. */
  readonly documentFailure: unknown;
  /** The first error thrown inside a Puppeteer event handler; `failed` is aborted then. */
  readonly failure: unknown;
  readonly failed: AbortSignal;
  /** Aborted when the page has used up its top-level navigations: the read takes what is there. */
  readonly navigationsSpent: AbortSignal;
  /** Requests the page has made so far (each one the router was asked about, refused ones too). */
  readonly requestsSeen: number;
  /**
   * Resolves once no request of the page has been in flight for `quietMs` (the router sees every
   * request, so this is the page's network going quiet); rejects with the signal's reason if
   * `signal` aborts first.
   */
  networkQuiet(quietMs: number, signal: AbortSignal): Promise<void>;
}

/** Installs the router on a fresh page, before it loads anything. */
export async function routePage(page: Page, options: RouterOptions): Promise<PageRouter> {
  const { url, limits, logger } = options;
  const failed = new AbortController();
  const navigationsSpent = new AbortController();
  let failure: unknown;
  let documentFailure: unknown;
  let finalUrl = url;
  let navigations = 0;
  // The page's requests the router is handling now, and who waits for them to go quiet.
  let inFlight = 0;
  let requestsSeen = 0;
  const activity = new Set<() => void>();
  const changed = () => {
    for (const listener of activity) listener();
  };

  const fail = (err: unknown) => {
    if (failure === undefined) logger.warn({ url, err }, 'the browser failed while reading a page; that read fails');
    failure ??= err;
    failed.abort();
  };
  const safely =
    <A extends unknown[]>(callback: (...args: A) => unknown) =>
    async (...args: A): Promise<void> => {
      try {
        await callback(...args);
      } catch (err) {
        fail(err);
      }
    };
  const said = new Set<string>();
  const limit = (what: string) => {
    if (!said.has(what)) logger.info({ url, ...limits }, `page makes ${what}; the rest are aborted`);
    said.add(what);
  };
  const served = servedRequests(limits, options.signal, limit);
  const pageGuard = forPage(options.guard, url);
  const refuse = (request: HTTPRequest, why: AbortReason = 'blockedbyclient') =>
    request.abort(why).catch(() => undefined);

  async function serve(request: HTTPRequest): Promise<void> {
    await options.onRequest?.(request);
    if (SKIPPED.has(request.resourceType())) return refuse(request);
    // A page is read, not used: nothing it sends may change anything anywhere. GET and HEAD
    // read; a POST is what a form or a search box sends (same as any browser, through the guard).
    if (!READ_METHODS.has(request.method())) return refuse(request);
    // The page's own document: a navigation of its main frame (a frame's own is one of its loads).
    const isDocument = request.isNavigationRequest() && request.frame() === page.mainFrame();
    if (isDocument && ++navigations > limits.navigations) {
      limit(`more than ${limits.navigations} top-level navigations`);
      navigationsSpent.abort();
      // ERR_ABORTED commits no error page: the document already loaded stays to be read.
      return refuse(request, 'aborted');
    }
    const headers = request.headers();
    // The router answers for every origin, so the other origin would never be asked to approve a
    // request a browser preflights: such a request is refused when it goes to another origin, and
    // may not be redirected to one. Only fetch() and XMLHttpRequest can be such requests; the
    // browser writes every other one itself. (The preflight itself is an OPTIONS, refused above.)
    const simple = !SCRIPTED.has(request.resourceType()) || isSimpleRequest(request.method(), headers);
    if (!simple && isCrossOrigin(request.url(), headers)) {
      logger.debug({ url: request.url() }, 'cross-origin request that needs a CORS preflight refused');
      return refuse(request);
    }
    const guard = simple ? pageGuard : sameOrigin(pageGuard, request.url());
    const slot = await served.acquire();
    if (!slot) return refuse(request);
    try {
      const body = request.hasPostData() ? await request.content() : undefined;
      const answer = await guardedRequest(request.url(), guard, {
        method: request.method(),
        headers,
        body: body ? Buffer.from(body.buffer, body.byteOffset, body.byteLength) : undefined,
        signal: options.signal,
      });
      // The document is the page: it is read to its own cap, and the budget is for what it loads.
      const { bytes, truncated } = await readCapped(
        answer.response,
        options.maxBytes,
        isDocument ? undefined : served.budget,
      );
      if (truncated && served.budget.left <= 0 && !isDocument) {
        limit(`more than ${limits.bytes.toLocaleString('en')} bytes of requests`);
        return await refuse(request);
      }
      if (isDocument) finalUrl = answer.finalUrl;
      await served.oneAtATime(() =>
        request.respond({
          status: answer.response.statusCode ?? 200,
          headers: responseHeaders(answer.response.headers),
          body: bytes,
        }),
      );
    } catch (err) {
      if (isDocument) documentFailure ??= err;
      logger.debug({ url: request.url(), err }, 'browser request not served');
      await refuse(request, err instanceof ScribeError ? 'blockedbyclient' : 'failed');
    } finally {
      slot.release();
    }
  }

  // Before the page loads anything: in every frame, before the page's scripts.
  await page.evaluateOnNewDocument(INIT_SCRIPT);
  // A service worker would answer the page's requests without the router.
  await page.setBypassServiceWorker(true);
  await page.setRequestInterception(true);
  page.on(
    'request',
    safely(async (request: HTTPRequest) => {
      inFlight += 1;
      requestsSeen += 1;
      changed();
      try {
        await serve(request);
      } catch (err) {
        await refuse(request);
        throw err;
      } finally {
        inFlight -= 1;
        changed();
      }
    }),
  );
  // Popups that got past the init script (a target=_blank link or form) are closed unread; their
  // requests were never the router's, so they went to the dead proxy.
  page.on(
    'popup',
    safely(async (opened: Page | null) => {
      if (opened && opened !== page) await opened.close();
    }),
  );
  return {
    get finalUrl() {
      return finalUrl;
    },
    get documentFailure() {
      return documentFailure;
    },
    get failure() {
      return failure;
    },
    failed: failed.signal,
    navigationsSpent: navigationsSpent.signal,
    get requestsSeen() {
      return requestsSeen;
    },
    networkQuiet(quietMs, signal) {
      return new Promise<void>((resolve, reject) => {
        let timer: NodeJS.Timeout | undefined;
        const done = () => {
          clearTimeout(timer);
          activity.delete(restart);
          signal.removeEventListener('abort', onAbort);
        };
        const onAbort = () => {
          done();
          reject(signal.reason);
        };
        // Every request that starts or ends restarts the quiet period; it runs while none is in flight.
        const restart = () => {
          clearTimeout(timer);
          if (inFlight === 0)
            timer = setTimeout(() => {
              done();
              resolve();
            }, quietMs);
        };
        if (signal.aborted) return reject(signal.reason);
        activity.add(restart);
        signal.addEventListener('abort', onAbort, { once: true });
        restart();
      });
    },
  };
}

/**
 * Response headers as `request.respond` takes them: hop-by-hop ones dropped (the body is handed over
 * whole and decoded; Puppeteer sets its length), Set-Cookie kept one entry per cookie. Chromium
 * applies its CORS checks to the answer as to one from the network.
 */
export function responseHeaders(headers: NodeJS.Dict<string | string[]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name)) continue;
    out[name] = Array.isArray(value) && name !== 'set-cookie' ? value.join(', ') : value;
  }
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
  return refusing(guard, (u) =>
    guard.allowed(u.hostname) ? 'a page outside SCRAPE_ALLOW_HOSTS may not load from those hosts' : undefined,
  );
}

/** Every hop on the origin of `url`: for a request a browser would preflight again at another origin. */
function sameOrigin(guard: UrlGuard, url: string): UrlGuard {
  const origin = new URL(url).origin;
  return refusing(guard, (u) =>
    u.origin !== origin ? 'a request that needs CORS approval may not be redirected to another origin' : undefined,
  );
}

/** `guard`, also refusing the URLs for which `why` gives a reason. */
function refusing(guard: UrlGuard, why: (url: URL) => string | undefined): UrlGuard {
  const refuser: UrlGuard = {
    allowed: (host) => guard.allowed(host),
    check: async (u) => void (await refuser.resolve(u)),
    async resolve(u) {
      const reason = URL.canParse(String(u)) ? why(new URL(u)) : undefined;
      if (reason) throw new PermanentError(ErrorCode.PageRefused, `${String(u)} was not read: ${reason}`);
      return guard.resolve(u);
    },
  };
  return refuser;
}

interface Slot {
  release(): void;
}

/**
 * A page's request allowance: at most `concurrent` served at once (the rest wait, in order), at
 * most `requests` in all, and `budget` bytes for all answers together. `acquire` resolves
 * undefined for a request to abort; `onLimit` is told which limit was reached.
 */
function servedRequests(
  limits: RouterLimits,
  signal: AbortSignal,
  onLimit: (what: string) => void,
): {
  acquire(): Promise<Slot | undefined>;
  budget: ByteBudget;
  oneAtATime(fulfil: () => Promise<void>): Promise<void>;
} {
  let active = 0;
  let started = 0;
  const waiting: (() => void)[] = [];
  const budget: ByteBudget = { left: limits.bytes };
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
    async acquire() {
      if (started >= limits.requests) return void onLimit(`more than ${limits.requests} requests`);
      started += 1;
      while (active >= limits.concurrent && !signal.aborted && budget.left > 0)
        await new Promise<void>((wake) => waiting.push(wake));
      if (signal.aborted) return undefined;
      if (budget.left <= 0) return void onLimit(`more than ${limits.bytes.toLocaleString('en')} bytes of requests`);
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
