/** Pieces every composition root shares: the database, migrated, registered for shutdown. */
import type { Config } from '../config.ts';
import { integrationsOf } from '../config.ts';
import { openDatabase, type Database } from '../db/database.ts';
import { migrate } from '../db/migrate.ts';
import type { Lifecycle } from '../lifecycle.ts';
import type { Logger } from '../log.ts';
import type { PipelineClientOptions } from '../pipeline/clients/index.ts';

export type CommandResult = number | 'running';

/** Opens the database (embedded when DATABASE_URL is unset), registers it, applies migrations. */
export async function openMigratedDatabase(config: Config, logger: Logger, lifecycle: Lifecycle): Promise<Database> {
  const db = await openDatabase(config, logger);
  lifecycle.add('database', () => db.close(), 60_000);
  await migrate(db.pool, logger);
  return db;
}

/** Warns once per missing integration, and says how to add a chat platform when none is set. */
export function logIntegrations(config: Config, logger: Logger): void {
  for (const [name, state] of Object.entries(integrationsOf(config))) {
    if (!state.configured) logger.warn({ integration: name, missing: state.missing }, `${name} is not configured`);
  }
  if (!config.slack && !config.discord) {
    logger.warn(
      'no chat platform is configured: set SLACK_BOT_TOKEN + SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN) ' +
        'for Slack, or DISCORD_TOKEN + DISCORD_APPLICATION_ID for Discord (see README.md)',
    );
  }
}

/** The few settings the pipeline's clients are built from, picked from Config. */
export function pipelineClientOptions(config: Config): PipelineClientOptions {
  return {
    anthropic: { apiKey: config.anthropic.apiKey, baseUrl: config.anthropic.baseUrl },
    exa: { apiKey: config.exa.apiKey, baseUrl: config.exa.baseUrl },
    arxivApiUrl: config.arxivApiUrl,
    arxivAuthorUrl: config.arxivAuthorUrl,
    openalex: { apiUrl: config.openalex.apiUrl, apiKey: config.openalex.apiKey },
    scrapeAllowHosts: config.scrapeAllowHosts,
    chromiumPath: config.chromiumPath,
    browserPages: config.browserPages,
  };
}
