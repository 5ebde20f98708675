/**
 * Reading the pages a search returned without enough text. Failures (refused, timed out, not
 * found) become one warning for the step; the page reader enforces its own browser limit.
 *
 * All the reads together have a deadline (issue 24): when it passes, the reads still running are
 * aborted (the page reader closes what it opened), the pages not yet started are not started,
 * and the step goes on at once with what it has; the pages cut off are left out and named in a
 * warning. A result Exa gave enough text for is never read, so it never waits on the browser.
 */
import type { PageReader, WebResult } from '../ports.ts';

/**
 * Reads at once. Four, so that two pages that never end (an endless stream, a page that takes its
 * whole timeout) cannot hold back the rest until the deadline: over HTTP a read costs at most its
 * 2 MB cap, extraction runs one page at a time in the shared worker thread, and the browser still
 * renders one page at a time (its pool queues the rest).
 */
const CONCURRENCY = 4;

/** What `readPages` found: a text per result, the pages left out at the deadline, and the warnings. */
export interface ReadPagesResult {
  /** The best text for each result, in the results' order. */
  texts: string[];
  /** Indexes of the results whose page was still being read (or not yet started) at the deadline. */
  leftOut: ReadonlySet<number>;
  /** The pages that could not be read, then the pages left out (each one warning, when there are any). */
  warnings: string[];
}

/** The reason a read is aborted with at the deadline. */
class PagesDeadlineError extends Error {
  constructor(ms: number) {
    super(`the pages' deadline of ${seconds(ms)} passed`);
    this.name = 'PagesDeadlineError';
  }
}

/**
 * The best text for each result (the search's, or the page's when that had to be read and is
 * longer), in the results' order, and warnings naming the pages that could not be read and those
 * that were too slow. `deadlineMs` bounds all the reads together; undefined: no deadline.
 */
export async function readPages(
  results: readonly WebResult[],
  pages: PageReader,
  readBelowChars: number,
  signal?: AbortSignal,
  deadlineMs?: number,
): Promise<ReadPagesResult> {
  const texts = results.map((r) => r.text ?? '');
  const toRead = results.map((r, i) => ({ r, i })).filter(({ r }) => (r.text ?? '').trim().length < readBelowChars);
  const failures: string[] = [];
  const finished = new Set<number>();
  const cut = new AbortController();
  const timer =
    deadlineMs !== undefined && toRead.length > 0
      ? setTimeout(() => cut.abort(new PagesDeadlineError(deadlineMs)), deadlineMs)
      : undefined;
  // A read stops at the deadline or at a cancel, whichever comes first.
  const readSignal = signal ? AbortSignal.any([signal, cut.signal]) : cut.signal;
  let next = 0;
  const worker = async () => {
    while (next < toRead.length && !readSignal.aborted) {
      const item = toRead[next++];
      if (!item) break;
      try {
        const page = await untilAborted(pages.read(item.r.url, { signal: readSignal }), readSignal);
        if (page.text.length > (texts[item.i] ?? '').length) texts[item.i] = page.text;
        finished.add(item.i);
      } catch (err) {
        if (signal?.aborted) throw err;
        if (cut.signal.aborted) break; // this page is left out (named below)
        failures.push(`${shortUrl(item.r.url)} (${reason(err)})`);
        finished.add(item.i);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, toRead.length) }, worker));
  } finally {
    clearTimeout(timer);
  }
  const leftOut = new Set(toRead.filter(({ i }) => !finished.has(i)).map(({ i }) => i));
  const warnings: string[] = [];
  if (failures.length > 0)
    warnings.push(`${failures.length} of ${results.length} pages could not be read: ${failures.join('; ')}`);
  if (leftOut.size > 0) {
    const named = [...leftOut].map((i) => shortUrl(results[i]?.url ?? '')).join('; ');
    warnings.push(
      leftOut.size === 1
        ? `1 page was too slow (over ${seconds(deadlineMs ?? 0)}) and was left out: ${named}`
        : `${leftOut.size} pages were too slow (over ${seconds(deadlineMs ?? 0)}) and were left out: ${named}`,
    );
  }
  return { texts, leftOut, warnings };
}

/**
 * `promise`, or a rejection with the signal's reason as soon as `signal` aborts: the step does not
 * wait for an aborted read to finish closing what it opened. Its own end is still handled, so it
 * never becomes an unhandled rejection.
 */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  promise.catch(() => undefined);
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
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

/** "2.5 s", "800 ms". */
function seconds(ms: number): string {
  return ms < 1_000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 100) / 10} s`;
}

function reason(err: unknown): string {
  const message = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();
  return message.length > 80 ? `${message.slice(0, 79)}…` : message || 'unknown error';
}
