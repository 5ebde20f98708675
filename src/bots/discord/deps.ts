/**
 * What the Discord handlers share: the request layer's deps, the REST client (bot token) and the
 * guilds Scribe serves.
 */
import type { REST } from 'discord.js';
import type { RequestDeps } from '../shared/deps.ts';

export interface DiscordBotDeps extends RequestDeps {
  /** Bot-token REST: everything that must outlive the 15-minute interaction token goes through it. */
  rest: REST;
  /** `DISCORD_GUILD_IDS`: the only guilds served; undefined serves every guild the bot is in. */
  guildIds: ReadonlySet<string> | undefined;
  /** DISCORD_API_URL: its host may serve attachments too (the fake, in tests). */
  apiUrl?: string | undefined;
}

/** Whether Scribe serves this guild. */
export function servesGuild(deps: Pick<DiscordBotDeps, 'guildIds'>, guildId: string | null): boolean {
  return guildId !== null && guildId !== '' && (deps.guildIds === undefined || deps.guildIds.has(guildId));
}
