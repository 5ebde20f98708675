/**
 * The fake workspace: team, bot, people, channels, messages (with their threads, edits and
 * reactions), ephemeral messages, modals, trigger ids and response URLs. The Web API handlers and
 * the driver both work on it; tests read it to see what a person would see.
 */
import { EventEmitter } from 'node:events';
import { compareTs, slackId, triggerId, TsClock } from './ids.ts';

/** A person (or the bot) in the workspace. */
export interface FakeUser {
  id: string;
  name: string;
  realName: string;
  isAdmin: boolean;
  isOwner: boolean;
  isBot: boolean;
}

/** A conversation. `member: false` makes posting fail with `not_in_channel`. */
export interface FakeChannel {
  id: string;
  name: string;
  isPrivate: boolean;
  /** A direct-message channel (`D…`) with `imUser`. */
  isIm: boolean;
  imUser?: string;
  member: boolean;
}

/** Message metadata as `chat.postMessage` takes it. */
export interface MessageMetadata {
  event_type: string;
  event_payload: Record<string, unknown>;
}

/** One version of a message's content (the first is the post, then one per `chat.update`). */
export interface MessageVersion {
  text: string;
  blocks?: unknown[];
  at: number;
}

/** A message as the fake keeps it. `text`/`blocks` are the latest version. */
export interface StoredMessage {
  channel: string;
  ts: string;
  /** Set on replies and, once it has replies, on the parent (equal to its own ts). */
  threadTs?: string;
  user: string;
  botId?: string;
  text: string;
  blocks?: unknown[];
  metadata?: MessageMetadata;
  edited?: { user: string; ts: string };
  reactions: Array<{ name: string; users: string[] }>;
  versions: MessageVersion[];
  deleted: boolean;
  /** Files shared with the message (files.completeUploadExternal). */
  files?: StoredFile[];
  /** A streamed message (chat.startStream): its chunks, tasks and whether it is still streaming. */
  stream?: StoredStream;
}

/** A task card of a streamed message, with every status it went through, in order. */
export interface StoredTask {
  id: string;
  title: string;
  status: 'pending' | 'in_progress' | 'complete' | 'error';
  details?: string;
  output?: string;
  sources?: Array<{ type: 'url'; url: string; text: string }>;
  statuses: Array<'pending' | 'in_progress' | 'complete' | 'error'>;
}

/** What chat.startStream / appendStream / stopStream built; `text` of the message is its markdown. */
export interface StoredStream {
  state: 'streaming' | 'stopped';
  taskDisplayMode: 'timeline' | 'plan';
  recipientUserId?: string;
  /** Every chunk received, in order (markdown_text, task_update, plan_update, blocks). */
  chunks: Array<Record<string, unknown> & { type: string }>;
  /** Task cards by id, in the order they first appeared. */
  tasks: Map<string, StoredTask>;
  planTitle?: string;
  /** Each markdown append, with when it arrived (ms since epoch): the first text's time for benches. */
  appends: Array<{ text: string; at: number }>;
  startedAt: number;
  stoppedAt?: number;
  /**
   * When `chat.update` replaced the finished stream (its text and blocks): the streamed markdown and
   * cards are then no longer what people see.
   */
  replacedAt?: number;
}

/** An assistant thread's status (assistant.threads.setStatus); `history` keeps every value set. */
export interface ThreadStatus {
  status: string;
  loadingMessages?: string[];
  history: Array<{ status: string; loadingMessages?: string[]; at: number }>;
}

/** A file uploaded through files.getUploadURLExternal and its upload URL; shared once completed. */
export interface StoredFile {
  id: string;
  name: string;
  title: string;
  /** The length announced to files.getUploadURLExternal. */
  length: number;
  /** The bytes posted to the upload URL; undefined until then. */
  content?: Buffer;
  /** Set by files.completeUploadExternal. */
  completed: boolean;
}

/** Something only one person sees: `chat.postEphemeral`, a `response_url` post or an ack's body. */
export interface EphemeralMessage {
  channel: string;
  user: string;
  text: string;
  blocks?: unknown[];
  threadTs?: string;
  via: 'chat.postEphemeral' | 'response_url' | 'ack';
  at: number;
}

/** A modal as the fake keeps it; `state` tells whether the person still has it open. */
export interface StoredView {
  id: string;
  user: string;
  view: Record<string, unknown> & { blocks: unknown[] };
  hash: string;
  rootViewId: string;
  state: 'open' | 'closed';
  /** The last `response_action: errors` shown on it. */
  errors?: Record<string, string>;
}

/** What a response URL is bound to. */
export interface ResponseUrlTarget {
  channel: string;
  user: string;
  /** For a block_actions response URL: the message the button was on. */
  messageTs?: string;
  uses: number;
  issuedAt: number;
}

/** Everything configurable about the workspace. */
export interface WorkspaceOptions {
  team?: { id: string; name: string; domain: string };
  bot?: { userId: string; botId: string; appId: string; name: string };
  /** People; `users.info` answers for these and for anyone the driver acts as. */
  users?: Array<Partial<FakeUser> & { id: string }>;
  /** Channels; any channel the driver acts in is created as one the bot is a member of. */
  channels?: Array<Partial<FakeChannel> & { id: string }>;
  /**
   * Channel ids the bot is not in: posts there fail with `not_in_channel`, unless the scopes have
   * `chat:write.public` and the channel is public.
   */
  notInChannel?: string[];
  /** The installation's bot scopes (default {@link DEFAULT_SCOPES}). */
  scopes?: readonly string[];
  /** How long a trigger id may be used for `views.open` (Slack: 3 s). */
  triggerTtlMs?: number;
}

const DEFAULT_USERS: FakeUser[] = [
  { id: 'U0ADA', name: 'ada', realName: 'Ada Lovelace', isAdmin: false, isOwner: false, isBot: false },
  { id: 'U0GRACE', name: 'grace', realName: 'Grace Hopper', isAdmin: false, isOwner: false, isBot: false },
  { id: 'U0ADMIN', name: 'admin', realName: 'Workspace Admin', isAdmin: true, isOwner: false, isBot: false },
];

/**
 * Bot scopes of the default installation: slack/manifest.yml's, less `chat:write.public` and
 * `channels:join`, so a channel the bot is not in refuses posts (`notInChannel`) unless a test
 * grants them.
 */
export const DEFAULT_SCOPES: readonly string[] = [
  'commands',
  'chat:write',
  'assistant:write',
  'reactions:read',
  'reactions:write',
  'im:write',
  'users:read',
  'channels:history',
  'groups:history',
  'im:history',
  'files:write',
];

/** The workspace. Emits `change` after every mutation (see `FakeSlack.until`). */
export class SlackState extends EventEmitter {
  readonly team: { id: string; name: string; domain: string };
  readonly bot: { userId: string; botId: string; appId: string; name: string };
  readonly users = new Map<string, FakeUser>();
  readonly channels = new Map<string, FakeChannel>();
  readonly scopes: ReadonlySet<string>;
  readonly ephemerals: EphemeralMessage[] = [];
  readonly views = new Map<string, StoredView>();
  /** Uploads by file id (files.getUploadURLExternal), shared or not. */
  readonly files = new Map<string, StoredFile>();
  readonly responseUrls = new Map<string, ResponseUrlTarget>();
  /** assistant.threads.setStatus, by `channel:thread_ts`. Cleared when the bot replies in the thread. */
  readonly threadStatuses = new Map<string, ThreadStatus>();
  /** assistant.threads.setSuggestedPrompts, by `channel:thread_ts` (`channel:` without a thread). */
  readonly suggestedPrompts = new Map<string, { title?: string; prompts: Array<{ title: string; message: string }> }>();
  /** assistant.threads.setTitle, by `channel:thread_ts`. */
  readonly threadTitles = new Map<string, string>();
  triggerTtlMs: number;
  private readonly messages = new Map<string, StoredMessage[]>();
  private readonly triggers = new Map<string, { user: string; issuedAt: number; used: boolean }>();
  private readonly clock = new TsClock();

  constructor(options: WorkspaceOptions = {}) {
    super();
    this.setMaxListeners(0);
    this.team = options.team ?? { id: 'T0FAKEUNI', name: 'Fake University', domain: 'fake-uni' };
    this.bot = options.bot ?? { userId: 'U0SCRIBEBOT', botId: 'B0SCRIBE', appId: 'A0SCRIBEAPP', name: 'scribe' };
    this.triggerTtlMs = options.triggerTtlMs ?? 3000;
    this.scopes = new Set(options.scopes ?? DEFAULT_SCOPES);
    for (const u of [...DEFAULT_USERS, ...(options.users ?? [])]) this.ensureUser(u.id, u);
    this.users.set(this.bot.userId, {
      id: this.bot.userId,
      name: this.bot.name,
      realName: 'Scribe',
      isAdmin: false,
      isOwner: false,
      isBot: true,
    });
    this.ensureChannel('C0GENERAL', { name: 'general' });
    for (const c of options.channels ?? []) this.ensureChannel(c.id, c);
    for (const id of options.notInChannel ?? []) this.ensureChannel(id, { member: false });
  }

  /** Creates (or updates) a person. */
  ensureUser(id: string, patch: Partial<FakeUser> = {}): FakeUser {
    const user = this.users.get(id) ?? {
      id,
      name: id.toLowerCase(),
      realName: id,
      isAdmin: false,
      isOwner: false,
      isBot: false,
    };
    Object.assign(user, patch, { id });
    this.users.set(id, user);
    return user;
  }

  /** Creates (or updates) a channel; new channels have the bot as a member. */
  ensureChannel(id: string, patch: Partial<FakeChannel> = {}): FakeChannel {
    const channel = this.channels.get(id) ?? {
      id,
      name: id.toLowerCase(),
      isPrivate: id.startsWith('G'),
      isIm: false,
      member: true,
    };
    Object.assign(channel, patch, { id });
    this.channels.set(id, channel);
    this.changed();
    return channel;
  }

  /** The DM channel between the bot and `user`, opened on first use. */
  dmWith(user: string): FakeChannel {
    for (const c of this.channels.values()) if (c.isIm && c.imUser === user) return c;
    return this.ensureChannel(slackId('D'), { name: user, isIm: true, imUser: user, isPrivate: true, member: true });
  }

  /** Stores a new message (a reply when `threadTs` names a thread) and returns it. */
  post(input: {
    channel: string;
    user: string;
    text: string;
    blocks?: unknown[];
    threadTs?: string;
    metadata?: MessageMetadata;
    botId?: string;
    files?: StoredFile[];
  }): StoredMessage {
    const ts = this.clock.next();
    const message: StoredMessage = {
      channel: input.channel,
      ts,
      user: input.user,
      text: input.text,
      reactions: [],
      deleted: false,
      versions: [{ text: input.text, ...(input.blocks ? { blocks: input.blocks } : {}), at: Date.now() }],
      ...(input.blocks ? { blocks: input.blocks } : {}),
      ...(input.botId ? { botId: input.botId } : {}),
      ...(input.metadata ? { metadata: input.metadata } : {}),
      ...(input.files ? { files: input.files } : {}),
    };
    if (input.threadTs !== undefined) {
      message.threadTs = input.threadTs;
      const parent = this.find(input.channel, input.threadTs);
      if (parent) parent.threadTs = parent.ts;
    }
    const list = this.messages.get(input.channel) ?? [];
    list.push(message);
    this.messages.set(input.channel, list);
    this.changed();
    return message;
  }

  /** Replaces a message's content, keeping the previous version in `versions`. */
  edit(
    message: StoredMessage,
    patch: { text: string; blocks?: unknown[]; metadata?: MessageMetadata },
    by: string,
  ): void {
    message.text = patch.text;
    if (patch.blocks !== undefined) message.blocks = patch.blocks;
    if (patch.metadata !== undefined) message.metadata = patch.metadata;
    message.edited = { user: by, ts: this.clock.next() };
    message.versions.push({
      text: message.text,
      ...(message.blocks ? { blocks: message.blocks } : {}),
      at: Date.now(),
    });
    this.changed();
  }

  /** The live (not deleted) message at channel + ts. */
  find(channel: string, ts: string): StoredMessage | undefined {
    return this.messages.get(channel)?.find((m) => m.ts === ts && !m.deleted);
  }

  /** A thread, parent first, or the channel's top-level messages when `threadTs` is omitted. */
  list(channel: string, threadTs?: string): StoredMessage[] {
    const all = (this.messages.get(channel) ?? []).filter((m) => !m.deleted);
    const picked =
      threadTs === undefined
        ? all.filter((m) => m.threadTs === undefined || m.threadTs === m.ts)
        : all.filter((m) => m.ts === threadTs || m.threadTs === threadTs);
    return picked.sort((a, b) => compareTs(a.ts, b.ts));
  }

  /** Adds `user`'s reaction; false when it was already there. */
  react(message: StoredMessage, name: string, user: string): boolean {
    let reaction = message.reactions.find((r) => r.name === name);
    if (!reaction) {
      reaction = { name, users: [] };
      message.reactions.push(reaction);
    }
    if (reaction.users.includes(user)) return false;
    reaction.users.push(user);
    this.changed();
    return true;
  }

  /** Records something only `user` sees. */
  addEphemeral(e: Omit<EphemeralMessage, 'at'>): void {
    this.ephemerals.push({ ...e, at: Date.now() });
    this.changed();
  }

  /** A fresh trigger id for `user` (as a slash command or button press hands out). */
  issueTrigger(user: string): string {
    const id = triggerId();
    this.triggers.set(id, { user, issuedAt: Date.now(), used: false });
    return id;
  }

  /** Spends a trigger id: the person it belongs to, or Slack's error code. */
  useTrigger(
    id: string,
  ): { user: string } | { error: 'invalid_trigger_id' | 'expired_trigger_id' | 'exchanged_trigger_id' } {
    const trigger = this.triggers.get(id);
    if (!trigger) return { error: 'invalid_trigger_id' };
    if (trigger.used) return { error: 'exchanged_trigger_id' };
    if (Date.now() - trigger.issuedAt > this.triggerTtlMs) return { error: 'expired_trigger_id' };
    trigger.used = true;
    return { user: trigger.user };
  }

  /** Registers a response URL path (`/commands/T…/…/…` or `/actions/T…/…/…`). */
  issueResponseUrl(kind: 'commands' | 'actions', target: Omit<ResponseUrlTarget, 'uses' | 'issuedAt'>): string {
    const path = `/${kind}/${this.team.id}/${Date.now()}${Math.floor(Math.random() * 1000)}/${slackId('', 24)}`;
    this.responseUrls.set(path, { ...target, uses: 0, issuedAt: Date.now() });
    return path;
  }

  /** Sets (or, with `''`, clears) the status of a thread, keeping its history. */
  setThreadStatus(channel: string, threadTs: string, status: string, loadingMessages?: string[]): void {
    const key = `${channel}:${threadTs}`;
    const entry = this.threadStatuses.get(key) ?? { status: '', history: [] };
    entry.status = status;
    if (loadingMessages && status !== '') entry.loadingMessages = loadingMessages;
    else delete entry.loadingMessages;
    entry.history.push({ status, ...(entry.loadingMessages ? { loadingMessages } : {}), at: Date.now() });
    this.threadStatuses.set(key, entry);
    this.changed();
  }

  /** Notifies `until` waiters. */
  changed(): void {
    this.emit('change');
  }
}
