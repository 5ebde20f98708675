/**
 * The gateway's big payloads, READY and GUILD_CREATE, built from the world as Discord builds them.
 * discord.js waits (up to 15 s) for one GUILD_CREATE per guild listed as unavailable in READY, and
 * caches channels only from GUILD_CREATE: without it `message.startThread()` throws ChannelNotCached.
 */
import type { DiscordWorld, FakeGuild } from './world.ts';

/** Intent bits Discord checks before sending an event. */
export const Intent = {
  Guilds: 1,
  GuildMembers: 1 << 1,
  GuildMessages: 1 << 9,
  GuildMessageReactions: 1 << 10,
  MessageContent: 1 << 15,
} as const;

/** Which intent an event needs (events absent here, e.g. INTERACTION_CREATE, always go out). */
export const EVENT_INTENT: Record<string, number> = {
  GUILD_CREATE: Intent.Guilds,
  GUILD_UPDATE: Intent.Guilds,
  GUILD_DELETE: Intent.Guilds,
  CHANNEL_CREATE: Intent.Guilds,
  CHANNEL_UPDATE: Intent.Guilds,
  CHANNEL_DELETE: Intent.Guilds,
  THREAD_CREATE: Intent.Guilds,
  THREAD_UPDATE: Intent.Guilds,
  THREAD_DELETE: Intent.Guilds,
  GUILD_ROLE_CREATE: Intent.Guilds,
  GUILD_ROLE_UPDATE: Intent.Guilds,
  GUILD_ROLE_DELETE: Intent.Guilds,
  GUILD_MEMBER_ADD: Intent.GuildMembers,
  GUILD_MEMBER_UPDATE: Intent.GuildMembers,
  GUILD_MEMBER_REMOVE: Intent.GuildMembers,
  MESSAGE_CREATE: Intent.GuildMessages,
  MESSAGE_UPDATE: Intent.GuildMessages,
  MESSAGE_DELETE: Intent.GuildMessages,
  MESSAGE_REACTION_ADD: Intent.GuildMessageReactions,
  MESSAGE_REACTION_REMOVE: Intent.GuildMessageReactions,
};

/** READY's `d`. */
export function readyPayload(
  world: DiscordWorld,
  sessionId: string,
  resumeUrl: string,
  shard: [number, number],
): Record<string, unknown> {
  return {
    v: 10,
    user_settings: {},
    user: { ...world.bot, verified: true, mfa_enabled: false, email: null },
    guilds: [...world.guilds.keys()].map((id) => ({ id, unavailable: true })),
    guild_join_requests: [],
    relationships: [],
    private_channels: [],
    presences: [],
    session_id: sessionId,
    session_type: 'normal',
    resume_gateway_url: resumeUrl,
    shard,
    application: { id: world.applicationId, flags: 0 },
    auth: {},
    geo_ordered_rtc_regions: ['local'],
  };
}

/**
 * GUILD_CREATE's `d`. Without the privileged GuildMembers intent Discord lists only the bot's own
 * member, so other members are known only from interactions and events (or a REST fetch).
 */
export function guildCreatePayload(world: DiscordWorld, guild: FakeGuild, intents: number): Record<string, unknown> {
  const channels = [...world.channels.values()].filter((c) => c.guild_id === guild.id);
  const memberIds = intents & Intent.GuildMembers ? [...guild.members.keys()] : [world.bot.id];
  return {
    id: guild.id,
    name: guild.name,
    icon: null,
    splash: null,
    discovery_splash: null,
    banner: null,
    description: null,
    owner_id: guild.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    widget_enabled: false,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    roles: [...guild.roles.values()],
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: 0,
    application_id: null,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    public_updates_channel_id: null,
    safety_alerts_channel_id: null,
    vanity_url_code: null,
    premium_tier: 0,
    premium_subscription_count: 0,
    premium_progress_bar_enabled: false,
    preferred_locale: 'en-US',
    nsfw_level: 0,
    max_members: 500_000,
    max_video_channel_users: 25,
    joined_at: guild.joinedAt,
    large: false,
    lazy: true,
    unavailable: false,
    member_count: guild.members.size,
    members: memberIds.map((id) => world.member(guild.id, id)).filter(Boolean),
    // Channel objects inside GUILD_CREATE carry no guild_id.
    channels: channels.filter((c) => c.type === 0).map(({ guild_id: _g, ...c }) => c),
    threads: channels.filter(
      (c) => c.type !== 0 && !(c as { thread_metadata?: { archived: boolean } }).thread_metadata?.archived,
    ),
    voice_states: [],
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
    incidents_data: null,
  };
}
