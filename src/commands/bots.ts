/**
 * The chat side of a composition root: the bots that are configured, and the REST/Web API
 * reporters the worker uses to edit and post.
 */
import type pg from 'pg';
import type { PgBoss } from 'pg-boss';
import type { Config } from '../config.ts';
import { createPool } from '../db/pool.ts';
import type { Lifecycle } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import type { PlatformReporters } from '../bots/router.ts';
import type { BotOptions } from '../bots/shared/deps.ts';
import type { HttpServer } from '../http/server.ts';
import type { Metrics } from '../telemetry/metrics.ts';
import { startQuietGc } from '../bots/shared/quiet-gc.ts';

const mb = (bytes: number) => Math.round(bytes / 1e5) / 10;

/** Connections of the bots' pre-ack pool. */
export const ACK_POOL_MAX = 2;

// Platform modules are imported only when their platform is configured: discord.js alone adds
// ~60 MB to a process, which a worker on a 1 GB Pi should not pay for a platform it does not serve.

export interface BotParts {
  config: Config;
  logger: Logger;
  lifecycle: Lifecycle;
  pool: pg.Pool;
  /** The database's URL: the bots' reads before an ack get a small pool of their own on it. */
  connectionString?: string | undefined;
  boss: PgBoss;
  /** Scribe's HTTP server: Slack over HTTP receives its requests on it. */
  http?: HttpServer | undefined;
  /** The process's counters, when it serves /metrics (feedback is counted where it is pressed). */
  metrics?: Metrics | undefined;
}

/** Starts the configured chat bots (receivers: validate, record, enqueue). Returns their names. */
export async function startBots(parts: BotParts): Promise<string[]> {
  const { config, logger, lifecycle } = parts;
  const started: string[] = [];
  // Two connections for the reads a first answer waits on (docs/decisions.md, "Acks under load"),
  // one kept open while idle; closed after the bots stop.
  const ackPool =
    parts.connectionString && (config.slack || config.discord)
      ? createPool({
          connectionString: parts.connectionString,
          logger,
          max: ACK_POOL_MAX,
          min: 1,
          applicationName: 'scribe-acks',
        })
      : undefined;
  if (ackPool) lifecycle.add('ack pool', () => ackPool.end());
  // Major collections while chat is quiet rather than in a burst (a process run with --expose-gc:
  // boot.ts gives one that answers chat).
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc && (config.slack || config.discord)) {
    const quiet = startQuietGc({
      gc,
      onCollect: ({ beforeBytes, afterBytes, ms }) =>
        logger.debug(
          { event: 'gc.quiet', before_mb: mb(beforeBytes), after_mb: mb(afterBytes), ms: Math.round(ms * 10) / 10 },
          'collected while chat was quiet',
        ),
    });
    lifecycle.add('quiet gc', async () => quiet.stop());
    logger.info({ event: 'gc.quiet_started' }, 'major collections while chat is quiet');
  }
  const common: BotOptions = {
    pool: parts.pool,
    ackPool,
    boss: parts.boss,
    dailyQuota: config.dailyQuota,
    followUpDays: config.followUpDays,
    dailyBudgetUsd: config.dailyBudgetUsd,
    batchMax: config.batchMax,
    researchCacheTtlMs: config.researchCacheTtlMs,
    logger,
    metrics: parts.metrics,
  };
  if (config.slack) {
    const { startSlackBot } = await import('../bots/slack/bot.ts');
    const bot = await startSlackBot({ ...common, config: config.slack, http: parts.http });
    lifecycle.add('slack bot', () => bot.stop(), 15_000);
    started.push(`slack (${bot.mode})`);
  }
  if (config.discord) {
    const { startDiscordBot } = await import('../bots/discord/bot.ts');
    const bot = await startDiscordBot({ ...common, config: config.discord });
    lifecycle.add('discord bot', () => bot.stop(), 10_000);
    started.push('discord');
  }
  return started;
}

/** The worker's reporters: REST and Web API clients only, no gateway or socket. */
export async function platformReporters(config: Config, logger: Logger): Promise<PlatformReporters> {
  const reporters: PlatformReporters = {};
  if (config.slack) {
    const { createSlackClient } = await import('../bots/slack/client.ts');
    const { createSlackReporter } = await import('../bots/slack/reporter.ts');
    reporters.slack = createSlackReporter({ client: createSlackClient(config.slack, { logger }), logger, plan: true });
  }
  if (config.discord) {
    const { createDiscordRest } = await import('../bots/discord/client.ts');
    const { createDiscordReporter } = await import('../bots/discord/reporter.ts');
    reporters.discord = createDiscordReporter({ rest: createDiscordRest(config.discord), logger });
  }
  return reporters;
}
