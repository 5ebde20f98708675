/**
 * The dependency bundle both bots start from: what the composition root hands `startSlackBot` and
 * `startDiscordBot`, and the request layer's deps built from it once per bot.
 */
import type pg from 'pg';
import type { PgBoss } from 'pg-boss';
import type { Logger } from '../../log.ts';
import { COLLAPSE_MS } from '../../requests/actions.ts';
import type { RequestDeps } from '../../requests/port.ts';
import type { Metrics } from '../../telemetry/metrics.ts';
import { createRecentKeys } from '../../requests/recent-keys.ts';
import { afterAcks } from './ack-first.ts';
import type { HandledEvent } from './handled.ts';

/** What every bot is started with, besides its platform's config. */
export interface BotOptions {
  pool: pg.Pool;
  /** The pool for reads before an ack (`RequestDeps.ackPool`); default: `pool`. */
  ackPool?: pg.Pool | undefined;
  boss: PgBoss;
  dailyQuota: number;
  /** `FOLLOW_UP_DAYS`; default 7. */
  followUpDays?: number | undefined;
  /** SCRIBE_DAILY_BUDGET_USD per workspace/guild; undefined: none. */
  dailyBudgetUsd?: number | undefined;
  researchCacheTtlMs: number;
  /** `SCRIBE_BATCH_MAX`. */
  batchMax?: number | undefined;
  logger: Logger;
  /** Called after every handled event with what came of it (tests wait on it; logs have it too). */
  onOutcome?: ((event: HandledEvent) => void) | undefined;
  /** The process's counters (feedback), when it serves /metrics. */
  metrics?: Pick<Metrics, 'feedback'> | undefined;
}

export type { RequestDeps } from '../../requests/port.ts';

/** The request layer's deps for one bot: its own in-memory dedupe memory, its platform's child logger. */
export function requestDeps(options: BotOptions, logger: Logger): RequestDeps {
  return {
    pool: options.pool,
    ackPool: options.ackPool,
    boss: options.boss,
    dailyQuota: options.dailyQuota,
    followUpDays: options.followUpDays,
    dailyBudgetUsd: options.dailyBudgetUsd,
    researchCacheTtlMs: options.researchCacheTtlMs,
    batchMax: options.batchMax,
    logger,
    recentRequests: createRecentKeys(COLLAPSE_MS),
    metrics: options.metrics,
    // A bot's process answers chat: its starts let the acks on their way go first.
    yieldTo: afterAcks,
  };
}
