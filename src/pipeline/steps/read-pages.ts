/**
 * Reading the pages a search returned without enough text. Failures (refused, timed out, not
 * found) become one warning for the step; the page reader enforces its own browser limit.
 */
import type { PageReader, WebResult } from '../ports.ts';

const CONCURRENCY = 2;

/**
 * The best text for each result (the search's, or the page's when that had to be read and is
 * longer), in the results' order, and a warning naming the pages that could not be read.
 */
export async function readPages(
  results: readonly WebResult[],
  pages: PageReader,
  readBelowChars: number,
  signal?: AbortSignal,
): Promise<{ texts: string[]; warning: string | undefined }> {
  const texts = results.map((r) => r.text ?? '');
  const toRead = results.map((r, i) => ({ r, i })).filter(({ r }) => (r.text ?? '').trim().length < readBelowChars);
  const failures: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < toRead.length) {
      const item = toRead[next++];
      if (!item) break;
      try {
        const page = await pages.read(item.r.url, { signal });
        if (page.text.length > (texts[item.i] ?? '').length) texts[item.i] = page.text;
      } catch (err) {
        if (signal?.aborted) throw err;
        failures.push(`${shortUrl(item.r.url)} (${reason(err)})`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, toRead.length) }, worker));
  const warning =
    failures.length === 0
      ? undefined
      : `${failures.length} of ${results.length} pages could not be read: ${failures.join('; ')}`;
  return { texts, warning };
}

/** Host and path, at most 60 characters: how a page is named in a warning. */
export function shortUrl(url: string): string {
  try {
    const u = new URL(url);
    const s = `${u.host}${u.pathname === '/' ? '' : u.pathname}`;
    return s.length > 60 ? `${s.slice(0, 59)}…` : s;
  } catch {
    return url.slice(0, 60);
  }
}

function reason(err: unknown): string {
  const message = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();
  return message.length > 80 ? `${message.slice(0, 79)}…` : message || 'unknown error';
}
