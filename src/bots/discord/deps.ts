/**
 * What the Discord handlers share: the database, the queue, the REST client (bot token) and the
 * in-memory guard against duplicate regeneration requests.
 */
import type pg from 'pg';
import type { PgBoss } from 'pg-boss';
import type { REST } from 'discord.js';
import type { Logger } from '../../log.ts';

export interface DiscordBotDeps {
  pool: pg.Pool;
  boss: PgBoss;
  dailyQuota: number;
  researchCacheTtlMs: number;
  /** Bot-token REST: everything that must outlive the 15-minute interaction token goes through it. */
  rest: REST;
  logger: Logger;
  recent: RecentKeys;
}

/** Keys seen within a time window: the first `claim` of a key wins, repeats within `ttlMs` lose. */
export interface RecentKeys {
  claim(key: string): boolean;
}

/** An in-memory {@link RecentKeys}; it forgets expired keys as it goes, so it stays small. */
export function createRecentKeys(ttlMs: number, now: () => number = Date.now): RecentKeys {
  const seen = new Map<string, number>();
  return {
    claim(key) {
      const t = now();
      for (const [k, at] of seen) if (t - at >= ttlMs) seen.delete(k);
      if (seen.has(key)) return false;
      seen.set(key, t);
      return true;
    },
  };
}
