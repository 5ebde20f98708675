/**
 * `PageReader`: a page's main text over plain HTTP (Readability on a light linkedom DOM), and only
 * when the static HTML has too little text — a page rendered by JavaScript — through the shared
 * browser. Every hop is checked by the URL guard and connected to the address that was checked;
 * each read has a timeout and a size cap.
 *
 * The size cap truncates rather than fails: a faculty page padded with 5 MB of publications still
 * has its biography at the top, so the first `maxBytes` are kept (the download is stopped there)
 * and the truncation is logged. The timeout bounds the HTTP read; a browser render gets its own.
 */
import type { Readability as ReadabilityClass } from '@mozilla/readability';
import { ErrorCode, ScribeError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { Page, PageReader } from '../ports.ts';
import type { BrowserPool } from './browser.ts';
import { describeNetworkError, formatDuration } from './errors.ts';
import { guardedRequest, readCapped, RedirectError } from './guarded-http.ts';
import type { UrlGuard } from './ssrf.ts';

export interface PageReaderOptions {
  guard: UrlGuard;
  /** Undefined: no browser (pages needing JavaScript then fail with a clear reason). */
  browser: BrowserPool | undefined;
  logger: Logger;
  /** Per read. Default 15 s. */
  timeoutMs?: number | undefined;
  /** Bytes of a page read at most; the rest of a larger page is not downloaded. Default 2 MB. */
  maxBytes?: number | undefined;
  /** Below this much text the static HTML is taken to need JavaScript. Default 500. */
  minTextChars?: number | undefined;
  maxRedirects?: number | undefined;
  userAgent?: string | undefined;
}

const USER_AGENT = 'Mozilla/5.0 (compatible; ScribeBot/0.1; academic outreach research)';
const ACCEPT = 'text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8';

/** A `PageReader` over plain HTTP, with the shared browser (when given) for JavaScript pages. */
export function createPageReader(options: PageReaderOptions): PageReader {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxBytes = options.maxBytes ?? 2_000_000;
  const minTextChars = options.minTextChars ?? 500;
  const headers = { 'user-agent': options.userAgent ?? USER_AGENT, accept: ACCEPT };
  const failed = (url: string, why: string, cause?: unknown) =>
    new ScribeError(ErrorCode.PageFailed, `${url} could not be read: ${why}`, { cause });

  async function fetchHtml(url: string, signal: AbortSignal, caller: AbortSignal | undefined) {
    const why = (err: unknown) =>
      caller?.aborted ? 'cancelled' : signal.aborted ? `timed out after ${formatDuration(timeoutMs)}` : describeNetworkError(err);
    try {
      const { finalUrl, response: res } = await guardedRequest(url, options.guard, { headers, signal, maxRedirects: options.maxRedirects });
      const status = res.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        res.resume();
        throw failed(url, `the site answered ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`);
      }
      const type = String(res.headers['content-type'] ?? 'text/html');
      if (!/text\/html|application\/xhtml|text\/plain/i.test(type)) {
        res.resume();
        throw failed(url, `it is not a web page (${type.split(';')[0]})`);
      }
      const { bytes, truncated } = await readCapped(res, maxBytes);
      const body = decode(bytes, type);
      return { finalUrl, html: /text\/plain/i.test(type) ? `<pre>${escapeHtml(body)}</pre>` : body, truncated };
    } catch (err) {
      if (err instanceof ScribeError) throw err;
      if (err instanceof RedirectError) throw failed(url, err.message, err);
      throw failed(url, why(err), err);
    }
  }

  return {
    async read(url, readOptions = {}) {
      const signal = AbortSignal.any([AbortSignal.timeout(timeoutMs), ...(readOptions.signal ? [readOptions.signal] : [])]);
      const fetched = await fetchHtml(url, signal, readOptions.signal);
      if (fetched.truncated) options.logger.info({ url, maxBytes }, 'page larger than the size cap; read its beginning only');
      const extracted = await extractText(fetched.html);
      if (extracted.text.length >= minTextChars) {
        return { url, finalUrl: fetched.finalUrl, title: extracted.title, text: extracted.text, via: 'http' } satisfies Page;
      }
      if (!options.browser) {
        // Short but real text (a brief bio) is still worth having.
        if (extracted.text.length > 0) return { url, finalUrl: fetched.finalUrl, title: extracted.title, text: extracted.text, via: 'http' };
        throw failed(url, 'it needs JavaScript and no browser is configured (CHROMIUM_PATH)');
      }
      options.logger.debug({ url, staticChars: extracted.text.length }, 'too little static text; rendering in the browser');
      const rendered = await options.browser.render(fetched.finalUrl, { guard: options.guard, timeoutMs, signal: readOptions.signal, maxBytes });
      const text = normaliseWhitespace(rendered.text);
      if (!text) throw failed(url, 'the page shows no text');
      return { url, finalUrl: rendered.finalUrl, title: rendered.title || extracted.title, text, via: 'browser' };
    },
    async close() {
      await options.browser?.close();
    },
  };
}

/** Text in the charset the Content-Type names (or a <meta charset> in the first 2 KB); UTF-8 otherwise. */
function decode(bytes: Buffer, contentType: string): string {
  const declared =
    /charset="?([\w-]+)/i.exec(contentType)?.[1] ??
    /<meta[^>]+charset=["']?([\w-]+)/i.exec(bytes.subarray(0, 2048).toString('latin1'))?.[1];
  try {
    return new TextDecoder(declared ?? 'utf-8').decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes); // a charset TextDecoder does not know
  }
}

const BLOCKS = 'p, div, li, dt, dd, h1, h2, h3, h4, h5, h6, tr, td, th, section, article, header, footer, blockquote, pre, ul, ol, table';

/** The main text of an HTML document (Readability), falling back to the body's text. */
/** linkedom and Readability, imported on the first page read (~30 MB an idle worker need not hold). */
let domLibraries: Promise<{ parseHTML: typeof import('linkedom').parseHTML; Readability: typeof ReadabilityClass }> | undefined;
const loadDom = () =>
  (domLibraries ??= Promise.all([import('linkedom'), import('@mozilla/readability')]).then(([l, r]) => ({
    parseHTML: l.parseHTML,
    Readability: r.Readability,
  })));

export async function extractText(html: string): Promise<{ title: string; text: string }> {
  const { parseHTML, Readability } = await loadDom();
  const { document } = parseHTML(withBody(html));
  for (const el of document.querySelectorAll('script, style, noscript, template, svg')) el.remove();
  // textContent runs blocks together ("…2010.Notes on…"): end each block and <br> with a newline.
  for (const el of document.querySelectorAll(BLOCKS)) el.append('\n');
  for (const el of document.querySelectorAll('br')) el.replaceWith('\n');
  const title = normaliseWhitespace(document.querySelector('title')?.textContent ?? '');
  for (const el of document.querySelectorAll('body title')) el.remove(); // a head-less page's title landed in the body
  let article: { textContent?: string | null; title?: string | null } | null = null;
  try {
    // linkedom's document is close enough to the DOM Readability expects.
    article = new Readability(document as unknown as ConstructorParameters<typeof Readability>[0], { charThreshold: 200 }).parse();
  } catch {
    article = null;
  }
  const readable = normaliseWhitespace(article?.textContent ?? '');
  const body = normaliseWhitespace(document.body?.textContent ?? document.documentElement?.textContent ?? '');
  // Readability sometimes keeps one small block of a page with no clear article: then the body is better.
  return { title: article?.title?.trim() || title, text: readable.length >= body.length * 0.3 ? readable : body };
}

/**
 * linkedom is no HTML5 parser: it does not invent the <html> and <body> that browsers add to a
 * page which leaves them out (valid HTML), and then finds no body. Add them.
 */
function withBody(html: string): string {
  const hasHtml = /<html[\s>]/i.test(html);
  if (/<body[\s>]/i.test(html)) return hasHtml ? html : `<!doctype html><html>${html.replace(/<!doctype[^>]*>/i, '')}</html>`;
  const headEnd = /<\/head\s*>/i.exec(html);
  if (headEnd) {
    const at = headEnd.index + headEnd[0].length;
    return `${html.slice(0, at)}<body>${html.slice(at).replace(/<\/html\s*>\s*$/i, '')}</body></html>`;
  }
  return `<!doctype html><html><head></head><body>${html.replace(/<!doctype[^>]*>/i, '').replace(/<\/?html[^>]*>/gi, '')}</body></html>`;
}

/** Spaces collapsed, at most one blank line, trimmed. */
export function normaliseWhitespace(text: string): string {
  return text.replace(/[ \t\f\v\u00a0]+/g, ' ').replace(/\s*\n\s*/g, '\n').replace(/\n{3,}/g, '\n\n').trim();
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}
