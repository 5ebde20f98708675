/**
 * A read of the database shared for a few seconds. `/health` and `/metrics` would otherwise query
 * Postgres on every request, so whoever can reach the port decides how hard the database works;
 * with this, a flood of requests costs one probe per `ttlMs`, and concurrent requests share one.
 */

/** How long a health probe or the queue depth is reused: well under any checker's or scraper's interval. */
export const PROBE_CACHE_MS = 5_000;

/**
 * `load`, called at most once per `ttlMs`: callers within that time get the same promise, so
 * concurrent callers share one call. A rejection is not kept: the next caller tries again.
 */
export function cachedFor<T>(ttlMs: number, load: () => Promise<T>, now: () => number = Date.now): () => Promise<T> {
  let entry: { at: number; value: Promise<T> } | undefined;
  return () => {
    const at = now();
    if (entry && at - entry.at < ttlMs) return entry.value;
    const current = { at, value: load() };
    entry = current;
    current.value.catch(() => {
      if (entry === current) entry = undefined;
    });
    return current.value;
  };
}
