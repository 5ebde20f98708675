/**
 * `PageReader`: a page's main text over plain HTTP (Readability on a light linkedom DOM), and only
 * when the static HTML has too little text — a page rendered by JavaScript — through the shared
 * browser. Every hop is checked by the URL guard and connected to the address that was checked;
 * each read has a timeout and a size cap.
 *
 * The size cap truncates rather than fails: a faculty page padded with 5 MB of publications still
 * has its biography at the top, so the first `maxBytes` are kept (the download is stopped there)
 * and the truncation is logged. The timeout bounds the HTTP read and the text extraction together
 * (extraction runs in a worker thread that is terminated at the deadline, see `extractor.ts`); a
 * browser render gets its own.
 */
import { ErrorCode, ScribeError } from '../../errors.ts';
import type { Logger } from '../../log.ts';
import type { Page, PageReader } from '../ports.ts';
import type { BrowserPool } from './browser.ts';
import { describeNetworkError, formatDuration } from './errors.ts';
import { normaliseWhitespace, type DomLimits } from './extract.ts';
import { ExtractError, sharedExtractor, type Extractor } from './extractor.ts';
import { BodyError, guardedRequest, readCapped, RedirectError } from './guarded-http.ts';
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
  /** Pages deeper or larger than this are refused before Readability runs (defaults in extract.ts). */
  domLimits?: Partial<DomLimits> | undefined;
  /** Where text is extracted; default: the process's one worker thread (`sharedExtractor`), which this reader does not close. */
  extractor?: Extractor | undefined;
}

export { extractText, normaliseWhitespace } from './extract.ts';

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
  const extractor = options.extractor ?? sharedExtractor(options.logger);

  async function extract(url: string, html: string, signal: AbortSignal, caller: AbortSignal | undefined) {
    try {
      return await extractor.extract(html, signal, options.domLimits);
    } catch (err) {
      if (err instanceof ExtractError) throw failed(url, err.message, err);
      throw failed(
        url,
        caller?.aborted ? 'cancelled' : `timed out after ${formatDuration(timeoutMs)} while extracting its text`,
        err,
      );
    }
  }

  async function fetchHtml(url: string, signal: AbortSignal, caller: AbortSignal | undefined) {
    const why = (err: unknown) =>
      caller?.aborted
        ? 'cancelled'
        : signal.aborted
          ? `timed out after ${formatDuration(timeoutMs)}`
          : describeNetworkError(err);
    try {
      const { finalUrl, response: res } = await guardedRequest(url, options.guard, {
        headers,
        signal,
        maxRedirects: options.maxRedirects,
      });
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
      if (err instanceof RedirectError || (err instanceof BodyError && !signal.aborted))
        throw failed(url, err.message, err);
      throw failed(url, why(err), err);
    }
  }

  return {
    async read(url, readOptions = {}) {
      const signal = AbortSignal.any([
        AbortSignal.timeout(timeoutMs),
        ...(readOptions.signal ? [readOptions.signal] : []),
      ]);
      // The worker thread starts while the page downloads, and is kept until its text is extracted.
      const held = extractor.hold();
      let fetched: Awaited<ReturnType<typeof fetchHtml>>;
      let extracted: { title: string; text: string };
      try {
        fetched = await fetchHtml(url, signal, readOptions.signal);
        if (fetched.truncated)
          options.logger.info({ url, maxBytes }, 'page larger than the size cap; read its beginning only');
        extracted = await extract(url, fetched.html, signal, readOptions.signal);
      } finally {
        held();
      }
      if (extracted.text.length >= minTextChars) {
        return {
          url,
          finalUrl: fetched.finalUrl,
          title: extracted.title,
          text: extracted.text,
          via: 'http',
        } satisfies Page;
      }
      if (!options.browser) {
        // Short but real text (a brief bio) is still worth having.
        if (extracted.text.length > 0)
          return { url, finalUrl: fetched.finalUrl, title: extracted.title, text: extracted.text, via: 'http' };
        throw failed(url, 'it needs JavaScript and no browser is configured (CHROMIUM_PATH)');
      }
      options.logger.debug(
        { url, staticChars: extracted.text.length },
        'too little static text; rendering in the browser',
      );
      // The extraction thread (~40 MB) ends once no other read needs it, rather than stay idle
      // beside Chromium at the worker's peak; the next read starts a new one. When nothing else
      // needs it, it has ended before the browser is loaded into the memory it gave back.
      await extractor.release();
      const rendered = await options.browser.render(fetched.finalUrl, {
        guard: options.guard,
        timeoutMs,
        signal: readOptions.signal,
        maxBytes,
      });
      const text = normaliseWhitespace(rendered.text);
      if (!text) throw failed(url, 'the page shows no text');
      return { url, finalUrl: rendered.finalUrl, title: rendered.title || extracted.title, text, via: 'browser' };
    },
    warm() {
      extractor.warm();
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

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}
