/** The worker's batch reporters (the parent messages' editors): REST and Web API clients only. */
import type { Config } from '../config.ts';
import type { PlatformBatchReporters } from '../thread/batch-reporter.ts';
import type { Logger } from '../log.ts';

export async function platformBatchReporters(config: Config, logger: Logger): Promise<PlatformBatchReporters> {
  const reporters: PlatformBatchReporters = {};
  if (config.slack) {
    const { createSlackClient } = await import('../bots/slack/client.ts');
    const { createSlackBatchReporter } = await import('../bots/slack/batch-reporter.ts');
    reporters.slack = createSlackBatchReporter({ client: createSlackClient(config.slack, { logger }), logger });
  }
  if (config.discord) {
    const { createDiscordRest } = await import('../bots/discord/client.ts');
    const { createDiscordBatchReporter } = await import('../bots/discord/batch-reporter.ts');
    reporters.discord = createDiscordBatchReporter({ rest: createDiscordRest(config.discord), logger });
  }
  return reporters;
}
