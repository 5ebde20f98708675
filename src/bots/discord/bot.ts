/**
 * The Discord bot: a discord.js client on the gateway with the least it needs (guilds, guild
 * messages, guild message reactions; partials so reactions on uncached messages arrive), and the
 * registration of the handlers. It validates, records and enqueues; it never runs the pipeline.
 */
import { once } from 'node:events';
import type pg from 'pg';
import type { PgBoss } from 'pg-boss';
import {
  Client, Events, GatewayIntentBits, MessageFlags, Options, Partials,
  type Interaction, type MessageReaction, type PartialMessageReaction, type PartialUser, type User,
} from 'discord.js';
import type { DiscordConfig } from '../../config.ts';
import type { Logger } from '../../log.ts';
import { COMMAND_NAME } from './commands.ts';
import { createRecentKeys, type DiscordBotDeps } from './deps.ts';
import { handleDraftModal, handleReaction, handleResultButton, handleScribeCommand } from './handlers.ts';
import { REGENERATE_COLLAPSE_MS } from './regeneration.ts';

export interface StartDiscordBotOptions {
  config: DiscordConfig;
  pool: pg.Pool;
  boss: PgBoss;
  dailyQuota: number;
  researchCacheTtlMs: number;
  logger: Logger;
  /** Called after every handled event with what came of it (tests wait on it; logs have it too). */
  onOutcome?: (event: HandledEvent) => void;
}

/** One handled event: an interaction (by its id) or a reaction (`messageId:userId:emoji`). */
export interface HandledEvent {
  kind: 'command' | 'modal' | 'button' | 'reaction';
  id: string;
  /** E.g. `started`, `modal`, `invalid`, `quota`, `duplicate`, `ignored:not-allowed`, `error`. */
  outcome: string;
  error?: unknown;
}

export interface DiscordBot {
  client: Client;
  /** Disconnects from the gateway. */
  stop(): Promise<void>;
}

/** Logs in, waits for READY, and handles `/scribe`, its form, result buttons and 🔁/🔄 reactions. */
export async function startDiscordBot(options: StartDiscordBotOptions): Promise<DiscordBot> {
  const logger = options.logger.child({ platform: 'discord' });
  const client = new Client({
    intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.GuildMessageReactions],
    partials: [Partials.Message, Partials.Channel, Partials.Reaction, Partials.User],
    rest: { api: options.config.apiUrl },
    // Messages are found through the database, never the cache: keep none (memory on a Pi).
    makeCache: Options.cacheWithLimits({ ...Options.DefaultMakeCacheSettings, MessageManager: 0 }),
    allowedMentions: { parse: [] },
  });
  const deps: DiscordBotDeps = {
    pool: options.pool,
    boss: options.boss,
    dailyQuota: options.dailyQuota,
    researchCacheTtlMs: options.researchCacheTtlMs,
    rest: client.rest,
    logger,
    recent: createRecentKeys(REGENERATE_COLLAPSE_MS),
  };
  registerDiscordHandlers(client, deps, options.onOutcome);
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
  logger.info({ user: client.user?.tag, guilds: client.guilds.cache.size }, 'discord bot connected');
  return {
    client,
    async stop() {
      await client.destroy();
    },
  };
}

/** Wires the handlers to the client's events; every handler's failure is logged and answered. */
export function registerDiscordHandlers(client: Client, deps: DiscordBotDeps, onOutcome?: (event: HandledEvent) => void): void {
  const run = async (kind: HandledEvent['kind'], id: string, handle: () => Promise<string>, interaction?: Interaction) => {
    let event: HandledEvent;
    try {
      event = { kind, id, outcome: await handle() };
      deps.logger.info(event, 'discord event handled');
    } catch (err) {
      deps.logger.error({ err, kind, id }, 'discord handler failed');
      if (interaction) await apologise(interaction).catch((e: unknown) => deps.logger.warn({ err: e }, 'could not apologise'));
      event = { kind, id, outcome: 'error', error: err };
    }
    onOutcome?.(event);
  };

  client.on(Events.InteractionCreate, (interaction) => {
    if (interaction.isChatInputCommand() && interaction.commandName === COMMAND_NAME) {
      void run('command', interaction.id, () => handleScribeCommand(deps, interaction), interaction);
    } else if (interaction.isModalSubmit()) {
      void run('modal', interaction.id, () => handleDraftModal(deps, interaction), interaction);
    } else if (interaction.isButton()) {
      void run('button', interaction.id, () => handleResultButton(deps, interaction), interaction);
    }
  });
  client.on(Events.MessageReactionAdd, (reaction: MessageReaction | PartialMessageReaction, user: User | PartialUser) => {
    const id = `${reaction.message.id}:${user.id}:${reaction.emoji.name ?? reaction.emoji.id ?? ''}`;
    void run('reaction', id, () => handleReaction(deps, reaction, user));
  });
}

/** Something broke on our side: say so privately rather than leave "The application did not respond". */
async function apologise(interaction: Interaction): Promise<void> {
  if (!interaction.isRepliable()) return;
  const body = { content: 'Something went wrong on Scribe’s side. Please try again in a minute.', flags: MessageFlags.Ephemeral } as const;
  if (interaction.deferred || interaction.replied) await interaction.followUp(body);
  else await interaction.reply(body);
}
