/**
 * `PageReader`: a page's main text over plain HTTP (Readability on a light linkedom DOM), and only
 * when the static HTML has too little text — a page rendered by JavaScript — through the shared
 * browser. Every hop is checked by the URL guard and connected to the address that was checked;
 * each read has a timeout and a size cap.
 */
import http from 'node:http';
import https from 'node:https';
import { Readability } from '@mozilla/readability';
import { parseHTML } from 'linkedom';
import { ErrorCode, ScribeError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { Page, PageReader } from '../ports.ts';
import type { BrowserPool } from './browser.ts';
import type { UrlGuard } from './ssrf.ts';

export interface PageReaderOptions {
  guard: UrlGuard;
  /** Undefined: no browser (pages needing JavaScript then fail with a clear reason). */
  browser: BrowserPool | undefined;
  logger: Logger;
  timeoutMs?: number;
  /** Bytes of HTML read at most; the rest of a larger page is not downloaded. */
  maxBytes?: number;
  /** Below this much text the static HTML is taken to need JavaScript. */
  minTextChars?: number;
  maxRedirects?: number;
}

const USER_AGENT = 'Mozilla/5.0 (compatible; ScribeBot/0.1; +https://github.com/scribe)';

interface Fetched {
  finalUrl: string;
  html: string;
  truncated: boolean;
}

export function createPageReader(options: PageReaderOptions): PageReader {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxBytes = options.maxBytes ?? 2_000_000;
  const minTextChars = options.minTextChars ?? 500;
  const maxRedirects = options.maxRedirects ?? 5;
  const failed = (url: string, why: string, cause?: unknown) =>
    new ScribeError(ErrorCode.PageFailed, `${url} could not be read: ${why}`, { cause });

  async function fetchHtml(url: string, signal: AbortSignal): Promise<Fetched> {
    let current = url;
    for (let hop = 0; hop <= maxRedirects; hop++) {
      const target = await options.guard.resolve(current);
      const res = await get(target.url, target.address, signal).catch((err: unknown) => {
        if (signal.aborted) throw failed(url, `timed out after ${Math.round(timeoutMs / 1000)} s`, err);
        throw failed(url, (err as Error).message, err);
      });
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        current = new URL(res.headers.location, target.url).toString();
        continue;
      }
      if (status < 200 || status >= 300) {
        res.resume();
        throw failed(url, `the site answered ${status}`);
      }
      const type = String(res.headers['content-type'] ?? 'text/html');
      if (!/text\/html|application\/xhtml|text\/plain/i.test(type)) {
        res.resume();
        throw failed(url, `it is not a web page (${type.split(';')[0]})`);
      }
      const { body, truncated } = await readCapped(res, maxBytes, signal).catch((err: unknown) => {
        throw failed(url, signal.aborted ? `timed out after ${Math.round(timeoutMs / 1000)} s` : (err as Error).message, err);
      });
      return { finalUrl: target.url.toString(), html: /text\/plain/i.test(type) ? `<pre>${escapeHtml(body)}</pre>` : body, truncated };
    }
    throw failed(url, `more than ${maxRedirects} redirects`);
  }

  return {
    async read(url, readOptions = {}) {
      const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(readOptions.signal ? [readOptions.signal] : [])]);
      const fetched = await fetchHtml(url, signal);
      if (fetched.truncated) options.logger.info({ url, maxBytes }, 'page larger than the size cap; read its beginning only');
      const extracted = extractText(fetched.html);
      if (extracted.text.length >= minTextChars) {
        return { url, finalUrl: fetched.finalUrl, title: extracted.title, text: extracted.text, via: 'http' } satisfies Page;
      }
      if (!options.browser) {
        if (extracted.text.length > 0) {
          return { url, finalUrl: fetched.finalUrl, title: extracted.title, text: extracted.text, via: 'http' };
        }
        throw failed(url, 'it needs JavaScript and no browser is configured (CHROMIUM_PATH)');
      }
      const rendered = await options.browser.render(fetched.finalUrl, { guard: options.guard, timeoutMs, signal: readOptions.signal });
      const text = normaliseWhitespace(rendered.text);
      if (!text) throw failed(url, 'the page shows no text');
      return { url, finalUrl: rendered.finalUrl, title: rendered.title || extracted.title, text, via: 'browser' };
    },
    async close() {
      await options.browser?.close();
    },
  };
}

/** GET connected to the checked address; TLS still verifies the certificate for the host name. */
function get(url: URL, address: string, signal: AbortSignal): Promise<http.IncomingMessage> {
  const secure = url.protocol === 'https:';
  const request = secure ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request({
      host: address,
      port: url.port || (secure ? 443 : 80),
      path: `${url.pathname}${url.search}`,
      method: 'GET',
      headers: { host: url.host, 'user-agent': USER_AGENT, accept: 'text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8' },
      ...(secure ? { servername: url.hostname.replace(/^\[|\]$/g, '') } : {}),
      signal,
    });
    req.on('response', resolve);
    req.on('error', reject);
    req.end();
  });
}

async function readCapped(res: http.IncomingMessage, maxBytes: number, signal: AbortSignal): Promise<{ body: string; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    if (signal.aborted) throw new Error('aborted');
    const room = maxBytes - size;
    if (chunk.length >= room) {
      chunks.push(chunk.subarray(0, room));
      truncated = true;
      res.destroy();
      break;
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { body: new TextDecoder('utf-8', { fatal: false }).decode(Buffer.concat(chunks)), truncated };
}

/** The main text of an HTML document (Readability), falling back to the body's text. */
export function extractText(html: string): { title: string; text: string } {
  const { document } = parseHTML(html);
  for (const el of document.querySelectorAll('script, style, noscript, template, svg')) el.remove();
  const title = normaliseWhitespace(document.querySelector('title')?.textContent ?? '');
  let article: { textContent?: string | null; title?: string | null } | null = null;
  try {
    // linkedom's document is close enough to the DOM Readability expects.
    article = new Readability(document as unknown as ConstructorParameters<typeof Readability>[0], { charThreshold: 200 }).parse();
  } catch {
    article = null;
  }
  const readable = normaliseWhitespace(article?.textContent ?? '');
  const body = normaliseWhitespace(document.body?.textContent ?? document.documentElement?.textContent ?? '');
  return { title: article?.title?.trim() || title, text: readable.length >= body.length * 0.3 ? readable : body };
}

export function normaliseWhitespace(text: string): string {
  return text.replace(/[ \t\f\v\u00a0]+/g, ' ').replace(/\s*\n\s*/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}
