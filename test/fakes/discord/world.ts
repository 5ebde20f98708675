/**
 * The fake's view of Discord: one application and its bot user, guilds with roles, members and
 * channels, and the permission arithmetic Discord applies. The REST server, the gateway and the
 * interaction builders all read this one object, so what a client caches from GUILD_CREATE agrees
 * with what REST allows.
 */
import type {
  APIGuildMember,
  APIOverwrite,
  APIRole,
  APIThreadChannel,
  APITextChannel,
  APIUser,
  ChannelFlags,
  GuildMemberFlags,
  RoleFlags,
  UserFlags,
} from 'discord.js';
import { snowflake } from './snowflake.ts';

/** Permission bits used by the fake (Discord's values). */
export const Permission = {
  AddReactions: 1n << 6n,
  Administrator: 1n << 3n,
  ViewChannel: 1n << 10n,
  SendMessages: 1n << 11n,
  ManageMessages: 1n << 13n,
  EmbedLinks: 1n << 14n,
  ReadMessageHistory: 1n << 16n,
  UseApplicationCommands: 1n << 31n,
  ManageThreads: 1n << 34n,
  CreatePublicThreads: 1n << 35n,
  CreatePrivateThreads: 1n << 36n,
  SendMessagesInThreads: 1n << 38n,
} as const;

/** What @everyone may do in the default guild: chat, react, use commands, start threads. */
export const EVERYONE_PERMISSIONS =
  Permission.ViewChannel |
  Permission.SendMessages |
  Permission.ReadMessageHistory |
  Permission.AddReactions |
  Permission.EmbedLinks |
  Permission.UseApplicationCommands |
  Permission.CreatePublicThreads |
  Permission.SendMessagesInThreads;

/** A text channel or a thread: the only channel kinds the fake serves. */
export type FakeChannel = APITextChannel | APIThreadChannel;

/** A guild as the fake keeps it; turned into GUILD_CREATE by the gateway. */
export interface FakeGuild {
  id: string;
  name: string;
  ownerId: string;
  joinedAt: string;
  /** Keyed by role id; the @everyone role has the guild's id. */
  roles: Map<string, APIRole>;
  /** Keyed by user id. */
  members: Map<string, { roles: string[]; joinedAt: string; nick: string | null }>;
}

/** Options for {@link DiscordWorld}. */
export interface WorldOptions {
  /** The bot token clients must present (`Authorization: Bot <token>`, IDENTIFY). */
  token?: string;
  applicationId?: string;
  botName?: string;
}

/** Users created by default, so tests can act as different people. */
export interface DefaultPeople {
  /** The person who runs `/scribe` in most tests. */
  ada: APIUser;
  /** Another member without special permissions. */
  grace: APIUser;
  /** A member with the Moderator role (Manage Messages). */
  mod: APIUser;
}

/** The whole fake world. Mutate it through its methods so derived state stays consistent. */
export class DiscordWorld {
  readonly token: string;
  readonly applicationId: string;
  readonly bot: APIUser;
  readonly users = new Map<string, APIUser>();
  readonly guilds = new Map<string, FakeGuild>();
  readonly channels = new Map<string, FakeChannel>();
  /** Thread id → ids of the users added to it (`PUT /channels/{thread}/thread-members/{user}`). */
  readonly threadMembers = new Map<string, Set<string>>();
  /** The default guild, its #general text channel and its roles. */
  readonly guild: FakeGuild;
  readonly channel: APITextChannel;
  readonly moderatorRoleId: string;
  readonly people: DefaultPeople;

  constructor(options: WorldOptions = {}) {
    this.token = options.token ?? 'fake-bot-token';
    this.applicationId = options.applicationId ?? snowflake(Date.now() - 86_400_000);
    // A bot user's id is its application's id.
    this.bot = this.addUser(options.botName ?? 'Scribe', { id: this.applicationId, bot: true });
    const people = { ada: this.addUser('ada'), grace: this.addUser('grace'), mod: this.addUser('mod') };
    this.people = people;
    this.guild = this.addGuild('Scribe Lab', people.ada.id);
    const botRole = this.addRole(this.guild, 'Scribe', EVERYONE_PERMISSIONS | Permission.ManageThreads, {
      managed: true,
      tags: { bot_id: this.bot.id },
    });
    this.moderatorRoleId = this.addRole(this.guild, 'Moderator', Permission.ManageMessages).id;
    this.addMember(this.guild, this.bot.id, [botRole.id]);
    this.addMember(this.guild, people.ada.id);
    this.addMember(this.guild, people.grace.id);
    this.addMember(this.guild, people.mod.id, [this.moderatorRoleId]);
    this.channel = this.addTextChannel(this.guild, 'general');
  }

  /** Creates a user (a human unless `bot: true`). */
  addUser(username: string, extra: Partial<APIUser> = {}): APIUser {
    const user: APIUser = {
      id: snowflake(),
      username,
      global_name: extra.bot ? null : username[0]!.toUpperCase() + username.slice(1),
      discriminator: '0',
      avatar: null,
      public_flags: 0 as UserFlags,
      flags: 0 as UserFlags,
      primary_guild: null,
      ...extra,
    };
    this.users.set(user.id, user);
    return user;
  }

  /** Creates a guild with its @everyone role. */
  addGuild(name: string, ownerId: string): FakeGuild {
    const id = snowflake();
    const guild: FakeGuild = {
      id,
      name,
      ownerId,
      joinedAt: new Date().toISOString(),
      roles: new Map(),
      members: new Map(),
    };
    this.guilds.set(id, guild);
    this.addRole(guild, '@everyone', EVERYONE_PERMISSIONS, { id, position: 0 });
    return guild;
  }

  /** Adds a role with the given permission bits. */
  addRole(guild: FakeGuild, name: string, permissions: bigint, extra: Partial<APIRole> = {}): APIRole {
    const role: APIRole = {
      id: snowflake(),
      name,
      color: 0,
      colors: { primary_color: 0, secondary_color: null, tertiary_color: null },
      hoist: false,
      icon: null,
      unicode_emoji: null,
      position: guild.roles.size,
      permissions: permissions.toString(),
      managed: false,
      mentionable: false,
      flags: 0 as RoleFlags,
      ...extra,
    };
    guild.roles.set(role.id, role);
    return role;
  }

  /** Makes a user a member of a guild with extra roles (besides @everyone). */
  addMember(guild: FakeGuild, userId: string, roles: string[] = []): void {
    guild.members.set(userId, { roles, joinedAt: new Date().toISOString(), nick: null });
  }

  /** Adds a guild text channel; `overwrites` are Discord permission overwrites. */
  addTextChannel(guild: FakeGuild, name: string, overwrites: APIOverwrite[] = []): APITextChannel {
    const channel: APITextChannel = {
      id: snowflake(),
      type: 0,
      guild_id: guild.id,
      name,
      position: this.channels.size,
      permission_overwrites: overwrites,
      parent_id: null,
      topic: null,
      nsfw: false,
      last_message_id: null,
      last_pin_timestamp: null,
      rate_limit_per_user: 0,
      default_auto_archive_duration: 1440,
      flags: 0 as ChannelFlags,
    };
    this.channels.set(channel.id, channel);
    return channel;
  }

  /** The guild member object (REST and gateway shape). */
  member(guildId: string, userId: string): APIGuildMember | undefined {
    const m = this.guilds.get(guildId)?.members.get(userId);
    const user = this.users.get(userId);
    if (!m || !user) return undefined;
    return {
      user,
      nick: m.nick,
      avatar: null,
      banner: null,
      roles: m.roles,
      joined_at: m.joinedAt,
      premium_since: null,
      deaf: false,
      mute: false,
      flags: 0 as GuildMemberFlags,
      pending: false,
    };
  }

  /** The guild a channel (or a thread's parent) belongs to. */
  guildOf(channelId: string): FakeGuild | undefined {
    const channel = this.channels.get(channelId);
    return channel?.guild_id ? this.guilds.get(channel.guild_id) : undefined;
  }

  /** A user's permissions in a guild, before channel overwrites. */
  basePermissions(guild: FakeGuild, userId: string): bigint {
    if (guild.ownerId === userId) return allPermissions();
    const member = guild.members.get(userId);
    if (!member) return 0n;
    let bits = BigInt(guild.roles.get(guild.id)?.permissions ?? '0');
    for (const roleId of member.roles) bits |= BigInt(guild.roles.get(roleId)?.permissions ?? '0');
    return bits & Permission.Administrator ? allPermissions() : bits;
  }

  /**
   * A user's permissions in a channel, as Discord computes them: base permissions, then the
   * @everyone overwrite, then role overwrites together, then the member's own overwrite.
   * Threads use their parent channel's overwrites.
   */
  permissionsIn(channelId: string, userId: string): bigint {
    let channel = this.channels.get(channelId);
    if (channel && 'parent_id' in channel && channel.type !== 0 && channel.parent_id) {
      channel = this.channels.get(channel.parent_id);
    }
    const guild = channel ? this.guildOf(channel.id) : undefined;
    if (!channel || !guild) return 0n;
    let bits = this.basePermissions(guild, userId);
    if (bits & Permission.Administrator) return bits;
    const overwrites = channel.permission_overwrites ?? [];
    const apply = (o: APIOverwrite | undefined): void => {
      if (o) bits = (bits & ~BigInt(o.deny)) | BigInt(o.allow);
    };
    apply(overwrites.find((o) => o.id === guild.id));
    const roles = guild.members.get(userId)?.roles ?? [];
    let allow = 0n;
    let deny = 0n;
    for (const o of overwrites) {
      if (o.type === 0 && roles.includes(o.id)) {
        allow |= BigInt(o.allow);
        deny |= BigInt(o.deny);
      }
    }
    bits = (bits & ~deny) | allow;
    apply(overwrites.find((o) => o.type === 1 && o.id === userId));
    return bits;
  }

  /** Adds or replaces a member overwrite denying `bits` to `userId` in a channel. */
  denyInChannel(channelId: string, userId: string, bits: bigint): FakeChannel {
    const channel = this.channels.get(channelId);
    if (!channel) throw new Error(`no channel ${channelId}`);
    const others = (channel.permission_overwrites ?? []).filter((o) => !(o.type === 1 && o.id === userId));
    channel.permission_overwrites = [...others, { id: userId, type: 1, allow: '0', deny: bits.toString() }];
    return channel;
  }
}

function allPermissions(): bigint {
  return (1n << 53n) - 1n;
}
