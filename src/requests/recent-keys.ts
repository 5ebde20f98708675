/**
 * The in-memory half of the dedupe rule: keys seen within a time window. The first `claim` of a
 * key wins; repeats within `ttlMs` lose. Per process only — Postgres has the final word (see
 * `collapseWindowMs`), this just drops a double click before any query.
 */

/** Keys seen within a time window: the first `claim` of a key wins, repeats within `ttlMs` lose. */
export interface RecentKeys {
  claim(key: string): boolean;
}

/** An in-memory {@link RecentKeys}, bounded: it forgets expired keys as it goes, and the oldest past `max`. */
export function createRecentKeys(ttlMs: number, max = 10_000, now: () => number = Date.now): RecentKeys {
  // A Map iterates in insertion order, so the oldest keys come first: the sweep stops at the
  // first live one instead of scanning every key.
  const seen = new Map<string, number>();
  return {
    claim(key) {
      const t = now();
      for (const [k, at] of seen) {
        if (t - at < ttlMs && seen.size < max) break;
        seen.delete(k);
      }
      if (seen.has(key)) return false;
      seen.set(key, t);
      return true;
    },
  };
}
