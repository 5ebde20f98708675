/**
 * One Chromium for the whole worker, for the pages that need JavaScript: launched on first need,
 * pages one at a time by default, each in a fresh context whose every request (subresources and
 * redirects included) passes the URL guard, and closed after an idle period so an idle worker holds
 * no browser (Chromium with one page costs ~360 MB on a 1 GB Pi).
 */
import fs from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { ErrorCode, ScribeError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { UrlGuard } from './ssrf.ts';

// Debian's /usr/bin/chromium is a shell wrapper; Playwright needs the binary itself.
const DEBIAN_BINARY = '/usr/lib/chromium/chromium';

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
  '--mute-audio',
];

export interface BrowserPoolOptions {
  executablePath: string;
  logger: Logger;
  idleCloseMs?: number;
  maxConcurrentPages?: number;
  /** Characters of page text kept at most. */
  maxTextChars?: number;
}

export interface RenderedPage {
  finalUrl: string;
  title: string;
  text: string;
}

export interface BrowserPool {
  render(url: string, options: { guard: UrlGuard; timeoutMs: number; signal?: AbortSignal | undefined }): Promise<RenderedPage>;
  isRunning(): boolean;
  /** The browser process id, while one runs (memory benchmarks). */
  pid(): number | undefined;
  close(): Promise<void>;
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

export function resolveChromium(path: string): string {
  return path === '/usr/bin/chromium' && fs.existsSync(DEBIAN_BINARY) ? DEBIAN_BINARY : path;
}

export function createBrowserPool(options: BrowserPoolOptions): BrowserPool {
  const idleCloseMs = options.idleCloseMs ?? 30_000;
  const maxPages = options.maxConcurrentPages ?? 1;
  const maxTextChars = options.maxTextChars ?? 200_000;
  let browser: Promise<Browser> | undefined;
  let active = 0;
  const waiting: (() => void)[] = [];
  let idleTimer: NodeJS.Timeout | undefined;

  const launch = (): Promise<Browser> => {
    browser ??= chromium
      .launch({ executablePath: resolveChromium(options.executablePath), args: ARGS, headless: true })
      .then((b) => {
        options.logger.info('browser launched');
        b.on('disconnected', () => {
          browser = undefined;
        });
        return b;
      })
      .catch((err: unknown) => {
        browser = undefined;
        throw new ScribeError(ErrorCode.PageFailed, `the browser could not start (${options.executablePath}): ${(err as Error).message}`, { cause: err });
      });
    return browser;
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
    if (next) {
      next();
      return;
    }
    active -= 1;
    if (active === 0) {
      idleTimer = setTimeout(() => void pool.close(), idleCloseMs);
      idleTimer.unref();
    }
  };

  const pool: BrowserPool = {
    async render(url, { guard, timeoutMs, signal }) {
      await acquire();
      try {
        const b = await launch();
        const context = await b.newContext({ javaScriptEnabled: true, serviceWorkers: 'block' });
        try {
          await context.route('**/*', async (route) => {
            try {
              await guard.resolve(route.request().url());
              await route.continue();
            } catch {
              await route.abort('blockedbyclient');
            }
          });
          const page = await context.newPage();
          const onAbort = () => void page.close();
          signal?.addEventListener('abort', onAbort, { once: true });
          try {
            await page.goto(url, { timeout: timeoutMs, waitUntil: 'domcontentloaded' });
            // Let scripts that fill the page run; a page that keeps the network busy is cut off.
            await page.waitForLoadState('networkidle', { timeout: Math.min(5_000, timeoutMs) }).catch(() => undefined);
            // A string expression: the project's types have no DOM library.
            const [title, text] = await Promise.all([page.title(), page.evaluate('document.body ? document.body.innerText : ""')]);
            return { finalUrl: page.url(), title, text: String(text).slice(0, maxTextChars) };
          } finally {
            signal?.removeEventListener('abort', onAbort);
          }
        } catch (err) {
          if (err instanceof ScribeError) throw err;
          const message = /Timeout/i.test((err as Error).message)
            ? `timed out after ${Math.round(timeoutMs / 1000)} s in the browser`
            : (err as Error).message.split('\n')[0];
          throw new ScribeError(ErrorCode.PageFailed, `${url} could not be read: ${message}`, { cause: err });
        } finally {
          await context.close().catch(() => undefined);
        }
      } finally {
        release();
      }
    },
    isRunning: () => browser !== undefined,
    pid: () => (browser ? chromiumChildPid() : undefined),
    async close() {
      clearTimeout(idleTimer);
      const current = browser;
      browser = undefined;
      if (!current) return;
      const b = await current.catch(() => undefined);
      await b?.close().catch(() => undefined);
      options.logger.info('browser closed');
    },
  };
  return pool;
}
