/**
 * The Discord bot: a discord.js client on the gateway with the least it needs, and the registration
 * of the handlers. It validates, records and enqueues; it never runs the pipeline.
 *
 * Intents: interactions (commands, forms, buttons) need none; 🔁 needs GuildMessageReactions, with
 * partials so reactions on uncached messages arrive; Guilds fills the guild and channel caches that
 * discord.js builds interactions and reactions on. Scribe reads no messages, so no GuildMessages:
 * without it Discord does not send every message of every channel to the bot.
 */
import { once } from 'node:events';
import { Client, Events, GatewayIntentBits, Options, Partials } from 'discord.js';
import type { DiscordConfig } from '../../config.ts';
import { warmRequests } from '../../requests/warm.ts';
import { requestDeps, type BotOptions } from '../shared/deps.ts';
import { warmDiscordHandlers } from './handlers.ts';
import type { DiscordBotDeps } from './deps.ts';
import { registerDiscordHandlers } from './register.ts';

export interface StartDiscordBotOptions extends BotOptions {
  config: DiscordConfig;
}

export interface DiscordBot {
  client: Client;
  /** Disconnects from the gateway and waits for handlers in flight. */
  stop(): Promise<void>;
}

/** Logs in, waits for READY, and handles `/scribe`, its form, result buttons and 🔁/🔄 reactions. */
export async function startDiscordBot(options: StartDiscordBotOptions): Promise<DiscordBot> {
  const logger = options.logger.child({ platform: 'discord' });
  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessageReactions],
    partials: [Partials.Message, Partials.Channel, Partials.Reaction, Partials.User],
    rest: { api: options.config.apiUrl },
    // Messages are found through the database, never the cache: keep none (memory on a Pi).
    makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 0 }),
    allowedMentions: { parse: [] },
    // Every component, modal and choice Scribe sends is built in the API's own shape
    // (discord-api-types): sent as it is, not re-cased key by key (discord.js's default, lodash's
    // snakeCase on every key: the largest part of a cold `/scribe` ack's own code).
    jsonTransformer: (data: unknown) => data,
  });
  const deps: DiscordBotDeps = {
    ...requestDeps(options, logger),
    rest: client.rest,
    guildIds: options.config.guildIds ? new Set(options.config.guildIds) : undefined,
    apiUrl: options.config.apiUrl,
  };
  const handlers = registerDiscordHandlers(client, deps, options.onOutcome);
  client.on(Events.Error, (err) => logger.error({ err }, 'discord client error'));
  client.on(Events.Warn, (message) => logger.warn({ message }, 'discord client warning'));
  client.on(Events.ShardDisconnect, (event) => logger.warn({ code: event.code }, 'discord gateway disconnected'));

  const ready = once(client, Events.ClientReady);
  try {
    await client.login(options.config.token);
    await ready;
  } catch (err) {
    await client.destroy();
    throw err;
  }
  // Before the first interaction is answered: the pool's connections open, the form's code compiled.
  await warmRequests(deps, 'discord', warmDiscordHandlers);
  logger.info(
    { user: client.user?.tag, guilds: client.guilds.cache.size, guildAllowList: options.config.guildIds?.length },
    'discord bot connected',
  );
  return {
    client,
    async stop() {
      await client.destroy();
      await handlers.drain();
    },
  };
}
