/**
 * What the Slack handlers share: the database, the queue, the Web API client (bot token), the
 * in-memory guards against duplicates, and how to answer a response URL.
 */
import type pg from 'pg';
import type { PgBoss } from 'pg-boss';
import type { Logger } from '../../log.ts';
import type { WebClient } from './client.ts';

/** The handlers' dependencies, built once by `startSlackBot` (tests build their own). */
export interface SlackBotDeps {
  pool: pg.Pool;
  boss: PgBoss;
  dailyQuota: number;
  researchCacheTtlMs: number;
  /** Bolt's client for the bot token (`app.client`), pointed at SLACK_API_URL with a bounded retry policy. */
  client: WebClient;
  logger: Logger;
  /** Regeneration requests (generation + person + action) seen within the collapse window. */
  recentRequests: RecentKeys;
  /** Events API `event_id`s handled lately: Slack redelivers an event it thinks was not acknowledged. */
  recentEvents: RecentKeys;
  /** Posts to a response URL (an ephemeral answer that works where the bot is not a member). */
  respond: (responseUrl: string, message: ResponseMessage) => Promise<void>;
}

/** A message for a response URL. */
export interface ResponseMessage {
  text: string;
  blocks?: unknown[];
  response_type?: 'ephemeral' | 'in_channel';
  replace_original?: boolean;
}

/** Keys seen within a time window: the first `claim` of a key wins, repeats within `ttlMs` lose. */
export interface RecentKeys {
  claim(key: string): boolean;
}

/** An in-memory {@link RecentKeys}, bounded: it forgets expired keys as it goes, and the oldest past `max`. */
export function createRecentKeys(ttlMs: number, max = 10_000, now: () => number = Date.now): RecentKeys {
  // A Map iterates in insertion order, so the oldest keys come first.
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

/** Posts to a response URL with fetch (Bolt's `respond()` does the same; this one works outside a listener). */
export async function postToResponseUrl(responseUrl: string, message: ResponseMessage): Promise<void> {
  const response = await fetch(responseUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ response_type: 'ephemeral', ...message }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`response URL answered ${response.status}: ${await response.text()}`);
}
