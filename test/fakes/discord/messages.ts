/**
 * Messages and threads as Discord keeps them: every version of every message (so tests can see
 * each edit of a progress message), nonces for de-duplicated sends, reactions, and the gateway
 * events Discord emits for each change (MESSAGE_CREATE/UPDATE/DELETE, THREAD_CREATE).
 */
import type { APIEmbed, APIMessage, APIThreadChannel, APIUser, ChannelFlags } from 'discord.js';
import { textOf } from '../../helpers/discord-v2.ts';
import { snowflake } from './snowflake.ts';
import type { MessageBody } from './validate.ts';
import type { DiscordWorld } from './world.ts';

/** Message flags the fake sets itself. */
export const MessageFlag = { HasThread: 1 << 5, Ephemeral: 1 << 6, Loading: 1 << 7 } as const;

/** Sends a gateway dispatch to connected clients (wired to the fake gateway). */
export type Emit = (t: string, d: unknown) => void;

/** One message with its history. */
export interface StoredMessage {
  /** The current version. */
  message: APIMessage;
  /** Every version, the first being the one created. */
  revisions: APIMessage[];
  /** Emoji (name or `name:id`) → user ids. */
  reactions: Map<string, Set<string>>;
  /** For ephemeral interaction replies: the only user who sees it. */
  visibleTo?: string;
  deleted: boolean;
}

/** A message as a person scrolling the channel sees it (latest edit, no ephemerals of others). */
export interface ViewMessage {
  id: string;
  author: string;
  authorId: string;
  content: string;
  /** The text shown: the content, then a Components V2 message's text displays (test/helpers/discord-v2.ts). */
  text: string;
  embeds: APIEmbed[];
  components: unknown[];
  edited: boolean;
  ephemeral: boolean;
  /** Id of the thread started on this message, if any (equal to the message id on Discord). */
  threadId?: string;
  reactions: Record<string, string[]>;
}

/** How long Discord remembers a nonce for `enforce_nonce`. */
const NONCE_TTL_MS = 5 * 60_000;

/** Message and thread storage for one fake. */
export class MessageStore {
  readonly byId = new Map<string, StoredMessage>();
  private readonly nonces = new Map<string, { messageId: string; at: number }>();
  private readonly world: DiscordWorld;
  private readonly emit: Emit;

  constructor(world: DiscordWorld, emit: Emit) {
    this.world = world;
    this.emit = emit;
  }

  /** A message already sent with this nonce by this author in this channel, within 5 minutes. */
  findByNonce(channelId: string, authorId: string, nonce: string | number): APIMessage | undefined {
    const hit = this.nonces.get(`${channelId}:${authorId}:${nonce}`);
    if (!hit || Date.now() - hit.at > NONCE_TTL_MS) return undefined;
    return this.byId.get(hit.messageId)?.message;
  }

  /** Creates a message in a channel or thread and tells the gateway. */
  create(
    channelId: string,
    author: APIUser,
    body: MessageBody,
    extra: Partial<APIMessage> = {},
    visibleTo?: string,
  ): APIMessage {
    const id = snowflake();
    const channel = this.world.channels.get(channelId);
    const isThread = channel !== undefined && channel.type !== 0;
    const message: APIMessage = {
      id,
      channel_id: channelId,
      author,
      content: body.content ?? '',
      timestamp: new Date().toISOString(),
      edited_timestamp: null,
      tts: body.tts ?? false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: [],
      embeds: (body.embeds ?? []).map(normaliseEmbed),
      pinned: false,
      type: body.message_reference ? 19 : 0,
      flags: body.flags ?? 0,
      components: (body.components ?? []) as APIMessage['components'],
      ...(body.nonce !== undefined ? { nonce: body.nonce } : {}),
      ...(body.message_reference
        ? { message_reference: { type: 0, channel_id: channelId, ...body.message_reference } }
        : {}),
      ...(isThread ? { position: (channel as APIThreadChannel).total_message_sent ?? 0 } : {}),
      ...extra,
    };
    const stored: StoredMessage = {
      message,
      revisions: [structuredClone(message)],
      reactions: new Map(),
      deleted: false,
    };
    if (visibleTo) stored.visibleTo = visibleTo;
    this.byId.set(id, stored);
    if (body.nonce !== undefined)
      this.nonces.set(`${channelId}:${author.id}:${body.nonce}`, { messageId: id, at: Date.now() });
    if (channel) {
      channel.last_message_id = id;
      if (isThread) {
        const thread = channel as APIThreadChannel;
        thread.message_count = (thread.message_count ?? 0) + 1;
        thread.total_message_sent = (thread.total_message_sent ?? 0) + 1;
      }
    }
    if (!visibleTo) this.emit('MESSAGE_CREATE', this.gatewayShape(message));
    return message;
  }

  /** The current version of a message in a channel, if it exists and was not deleted. */
  get(channelId: string, messageId: string): StoredMessage | undefined {
    const stored = this.byId.get(messageId);
    return stored && !stored.deleted && stored.message.channel_id === channelId ? stored : undefined;
  }

  /** Applies an edit (absent fields keep their value, `null` clears) and tells the gateway. */
  edit(stored: StoredMessage, body: MessageBody): APIMessage {
    const m = stored.message;
    if (body.content !== undefined) m.content = body.content ?? '';
    if (body.embeds !== undefined) m.embeds = (body.embeds ?? []).map(normaliseEmbed);
    if (body.components !== undefined) m.components = (body.components ?? []) as APIMessage['components'];
    if (body.flags !== undefined && body.flags !== null)
      m.flags = body.flags | ((m.flags ?? 0) & MessageFlag.HasThread);
    m.edited_timestamp = new Date().toISOString();
    stored.revisions.push(structuredClone(m));
    if (!stored.visibleTo) this.emit('MESSAGE_UPDATE', this.gatewayShape(m));
    return m;
  }

  /** Deletes a message and tells the gateway. */
  delete(stored: StoredMessage): void {
    stored.deleted = true;
    const { id, channel_id } = stored.message;
    const guildId = this.world.channels.get(channel_id)?.guild_id;
    if (!stored.visibleTo) this.emit('MESSAGE_DELETE', { id, channel_id, ...(guildId ? { guild_id: guildId } : {}) });
  }

  /** Messages of a channel, newest first, as `GET /channels/{id}/messages` pages them. */
  list(channelId: string, query: URLSearchParams): APIMessage[] {
    const limit = Math.min(Number(query.get('limit') ?? 50), 100);
    const before = query.get('before');
    const after = query.get('after');
    const all = [...this.byId.values()]
      .filter((s) => !s.deleted && !s.visibleTo && s.message.channel_id === channelId)
      .map((s) => s.message)
      .filter((m) => (!before || BigInt(m.id) < BigInt(before)) && (!after || BigInt(m.id) > BigInt(after)))
      .sort((a, b) => (BigInt(b.id) > BigInt(a.id) ? 1 : -1));
    return all.slice(0, limit);
  }

  /**
   * Starts a public thread. From a message, the thread takes the message's id (as on Discord),
   * and the message gets the HAS_THREAD flag and a `thread` field.
   */
  createThread(
    parentId: string,
    owner: APIUser,
    name: string,
    opts: { messageId?: string; type?: number; autoArchive?: number },
  ): APIThreadChannel {
    const parent = this.world.channels.get(parentId);
    if (!parent) throw new Error(`no channel ${parentId}`);
    const now = new Date().toISOString();
    const thread: APIThreadChannel = {
      id: opts.messageId ?? snowflake(),
      type: (opts.type ?? 11) as 11 | 12,
      guild_id: parent.guild_id!,
      parent_id: parentId,
      owner_id: owner.id,
      name,
      last_message_id: null,
      rate_limit_per_user: 0,
      message_count: 0,
      member_count: 1,
      total_message_sent: 0,
      flags: 0 as ChannelFlags,
      thread_metadata: {
        archived: false,
        auto_archive_duration: (opts.autoArchive ?? 1440) as 60 | 1440 | 4320 | 10080,
        archive_timestamp: now,
        locked: false,
        create_timestamp: now,
      },
    };
    this.world.channels.set(thread.id, thread);
    const starter = opts.messageId ? this.byId.get(opts.messageId) : undefined;
    if (starter) {
      starter.message.flags = (starter.message.flags ?? 0) | MessageFlag.HasThread;
      starter.message.thread = thread;
    }
    this.emit('THREAD_CREATE', { ...thread, newly_created: true });
    if (starter) this.emit('MESSAGE_UPDATE', this.gatewayShape(starter.message));
    return thread;
  }

  /** Records a reaction; returns false when the user had already reacted with this emoji. */
  addReaction(stored: StoredMessage, emojiKey: string, userId: string): boolean {
    const users = stored.reactions.get(emojiKey) ?? new Set<string>();
    stored.reactions.set(emojiKey, users);
    if (users.has(userId)) return false;
    users.add(userId);
    return true;
  }

  /** The channel or thread as `viewerId` (default: any other member) sees it, oldest first. */
  channelView(channelId: string, viewerId?: string): ViewMessage[] {
    return [...this.byId.values()]
      .filter((s) => !s.deleted && s.message.channel_id === channelId && (!s.visibleTo || s.visibleTo === viewerId))
      .sort((a, b) => (BigInt(a.message.id) > BigInt(b.message.id) ? 1 : -1))
      .map((s) => {
        const m = s.message;
        const view: ViewMessage = {
          id: m.id,
          author: m.author.username,
          authorId: m.author.id,
          content: m.content,
          text: textOf(m),
          embeds: m.embeds,
          components: m.components ?? [],
          edited: m.edited_timestamp !== null,
          ephemeral: ((m.flags ?? 0) & MessageFlag.Ephemeral) !== 0,
          reactions: Object.fromEntries([...s.reactions].map(([k, v]) => [k, [...v]])),
        };
        if (m.thread) view.threadId = m.thread.id;
        return view;
      });
  }

  /** MESSAGE_CREATE/UPDATE payloads carry guild_id and the author's member (without user). */
  gatewayShape(message: APIMessage): Record<string, unknown> {
    const guildId = this.world.channels.get(message.channel_id)?.guild_id;
    if (!guildId) return { ...message };
    const member = this.world.member(guildId, message.author.id);
    const { user: _user, ...partialMember } = member ?? { user: undefined };
    return { ...message, guild_id: guildId, ...(member ? { member: partialMember } : {}) };
  }
}

/** Discord stores every embed sent by a bot as `type: 'rich'`. */
function normaliseEmbed(embed: APIEmbed): APIEmbed {
  return { type: 'rich' as APIEmbed['type'], ...embed };
}
