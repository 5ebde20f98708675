/**
 * Messages: `chat.postMessage`, `chat.update`, `chat.delete`, `chat.postEphemeral`,
 * `conversations.open`, `conversations.info`, `conversations.replies`, `conversations.join`,
 * `reactions.add`.
 *
 * Where Slack's behaviour is subtle the fake follows it: a post to a user id lands in the DM with
 * the bot; `chat.update` keeps text or blocks that are not sent (an empty `blocks` removes them);
 * a reply to a reply joins the parent's thread; a message still streaming cannot be updated (a
 * finished one can); the bot must be in a channel to post, reply-read or
 * post ephemerally there — except that with `chat:write.public` it may post in a public channel it
 * is not in, while reading its threads still fails with `not_in_channel` until it joins
 * (`conversations.join`, scope `channels:join`, public channels only). One deliberate strictness: a `thread_ts` naming no message is refused
 * with `thread_not_found` (Slack would post it at the top level), to catch lost addresses.
 */
import { z } from 'zod';
import {
  boolArg,
  intArg,
  jsonArg,
  metadataArg,
  parseArgs,
  requireString,
  SlackApiError,
  type MethodContext,
  type MethodDef,
} from './api.ts';
import { messageBlocksSchema, slackErrorLines } from './blocks.ts';
import { apiMessage } from './format.ts';
import { compareTs, slackId } from './ids.ts';
import type { FakeChannel, SlackState, StoredMessage } from './state.ts';

const MAX_TEXT = 40_000;

const contentArgs = z.looseObject({
  text: z.string().optional(),
  blocks: jsonArg(z.array(z.unknown())).optional(),
  attachments: jsonArg(z.array(z.unknown())).optional(),
  metadata: metadataArg,
  thread_ts: z.string().optional(),
});

/** The channel a post goes to: a user id means the DM with the bot; names (`#general`) resolve. */
export function postableChannel(state: SlackState, id: string): FakeChannel {
  if (/^[UW]/.test(id) && state.users.has(id)) return state.dmWith(id);
  const name = id.replace(/^#/, '');
  const channel = state.channels.get(id) ?? [...state.channels.values()].find((c) => c.name === name && !c.isIm);
  if (!channel) throw new SlackApiError('channel_not_found');
  const isPublic = !channel.isPrivate && !channel.isIm;
  if (!channel.member && !(isPublic && state.scopes.has('chat:write.public')))
    throw new SlackApiError(channel.isPrivate ? 'channel_not_found' : 'not_in_channel');
  return channel;
}

/** A scope the method needs: Slack answers `missing_scope` with what was needed and what the token has. */
export function needScope(state: SlackState, scope: string): void {
  if (!state.scopes.has(scope))
    throw new SlackApiError('missing_scope', { needed: scope, provided: [...state.scopes].join(',') });
}

/** Validated blocks with a `block_id` on each (Slack adds one where the app gave none). */
export function checkedBlocks(blocks: unknown[] | undefined): unknown[] | undefined {
  if (blocks === undefined) return undefined;
  const result = messageBlocksSchema.safeParse(blocks);
  if (!result.success) {
    const errors = slackErrorLines(result.error, '/blocks');
    throw new SlackApiError('invalid_blocks', {
      errors,
      response_metadata: { messages: errors.map((e) => `[ERROR] ${e}`) },
    });
  }
  return blocks.map((b) =>
    typeof b === 'object' && b !== null && !('block_id' in b) ? { ...b, block_id: slackId('', 5) } : b,
  );
}

function checkedText(text: string | undefined): string | undefined {
  if (text !== undefined && text.length > MAX_TEXT) throw new SlackApiError('msg_too_long');
  return text;
}

export function threadParent(state: SlackState, channel: string, threadTs: string | undefined): string | undefined {
  if (threadTs === undefined || threadTs === '') return undefined;
  const target = state.find(channel, threadTs);
  if (!target) throw new SlackApiError('thread_not_found');
  return target.threadTs ?? target.ts;
}

export function botMessage(state: SlackState, channel: string, ts: string, cant: string): StoredMessage {
  const message = state.find(channel, ts);
  if (!message) throw new SlackApiError('message_not_found');
  if (message.user !== state.bot.userId) throw new SlackApiError(cant);
  return message;
}

function postMessage({ state, args }: MethodContext): Record<string, unknown> {
  const a = parseArgs(contentArgs, args);
  const channel = postableChannel(state, requireString(args, 'channel', 'channel_not_found'));
  const blocks = checkedBlocks(a.blocks);
  const text = checkedText(a.text) ?? '';
  if (text === '' && !blocks?.length && !a.attachments?.length) throw new SlackApiError('no_text');
  const threadTs = threadParent(state, channel.id, a.thread_ts);
  // As in Slack, the app's reply in a thread clears the status it set there.
  if (threadTs && state.threadStatuses.get(`${channel.id}:${threadTs}`)?.status)
    state.setThreadStatus(channel.id, threadTs, '');
  const message = state.post({
    channel: channel.id,
    user: state.bot.userId,
    botId: state.bot.botId,
    text,
    ...(blocks ? { blocks } : {}),
    ...(threadTs ? { threadTs } : {}),
    ...(a.metadata ? { metadata: a.metadata } : {}),
  });
  return { channel: channel.id, ts: message.ts, message: apiMessage(state, message) };
}

function update({ state, args }: MethodContext): Record<string, unknown> {
  const a = parseArgs(contentArgs, args);
  const channel = requireString(args, 'channel', 'channel_not_found');
  const message = botMessage(state, channel, requireString(args, 'ts', 'message_not_found'), 'cant_update_message');
  // A message still streaming belongs to its stream until chat.stopStream. Slack's docs name no
  // error for updating one; the fake answers chat.update's documented `cant_update_message` ("This
  // message cannot be updated") — an assumption, not a documented code. Once stopped, an update
  // replaces what was streamed (the @slack/web-api 7.17 notes suggest chat.update after a stream ends).
  if (message.stream?.state === 'streaming') throw new SlackApiError('cant_update_message');
  const blocks = checkedBlocks(a.blocks);
  const text = checkedText(a.text);
  if (text === undefined && blocks === undefined && a.attachments === undefined) throw new SlackApiError('no_text');
  state.edit(
    message,
    {
      text: text ?? message.text,
      ...(blocks !== undefined ? { blocks } : {}),
      ...(a.metadata ? { metadata: a.metadata } : {}),
    },
    state.bot.userId,
  );
  if (message.stream && message.stream.replacedAt === undefined) message.stream.replacedAt = Date.now();
  return { channel, ts: message.ts, text: message.text, message: apiMessage(state, message) };
}

function remove({ state, args }: MethodContext): Record<string, unknown> {
  const channel = requireString(args, 'channel', 'channel_not_found');
  const message = botMessage(state, channel, requireString(args, 'ts', 'message_not_found'), 'cant_delete_message');
  message.deleted = true;
  state.changed();
  return { channel, ts: message.ts };
}

function postEphemeral({ state, args }: MethodContext): Record<string, unknown> {
  const a = parseArgs(contentArgs, args);
  const channel = postableChannel(state, requireString(args, 'channel', 'channel_not_found'));
  const user = requireString(args, 'user', 'user_not_in_channel');
  if (!state.users.has(user)) throw new SlackApiError('user_not_in_channel');
  const blocks = checkedBlocks(a.blocks);
  const text = checkedText(a.text) ?? '';
  if (text === '' && !blocks?.length && !a.attachments?.length) throw new SlackApiError('no_text');
  state.addEphemeral({
    channel: channel.id,
    user,
    text,
    via: 'chat.postEphemeral',
    ...(blocks ? { blocks } : {}),
    ...(a.thread_ts ? { threadTs: a.thread_ts } : {}),
  });
  // Ephemeral messages get a ts, but it addresses nothing the app can edit later.
  return { message_ts: `${Math.floor(Date.now() / 1000)}.${String(Date.now() % 1e6).padStart(6, '0')}` };
}

function open({ state, args }: MethodContext): Record<string, unknown> {
  const a = parseArgs(
    z.looseObject({ users: z.string().optional(), channel: z.string().optional(), return_im: boolArg.optional() }),
    args,
  );
  let channel: FakeChannel | undefined;
  if (a.channel) channel = state.channels.get(a.channel);
  else {
    const users = (a.users ?? '')
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean);
    if (users.length === 0) throw new SlackApiError('users_list_not_supplied');
    if (users.length > 1) throw new SlackApiError('not_supported', { detail: 'the fake opens one-to-one DMs only' });
    const user = users[0] as string;
    if (!state.users.has(user)) throw new SlackApiError('user_not_found');
    const existed = [...state.channels.values()].some((c) => c.isIm && c.imUser === user);
    channel = state.dmWith(user);
    const info = a.return_im
      ? { id: channel.id, is_im: true, user, created: Math.floor(Date.now() / 1000), is_open: true }
      : { id: channel.id };
    return { ...(existed ? { no_op: true, already_open: true } : {}), channel: info };
  }
  if (!channel) throw new SlackApiError('channel_not_found');
  return { no_op: true, already_open: true, channel: { id: channel.id } };
}

function info({ state, args }: MethodContext): Record<string, unknown> {
  const channel = state.channels.get(requireString(args, 'channel', 'channel_not_found'));
  if (!channel || (channel.isPrivate && !channel.member)) throw new SlackApiError('channel_not_found');
  return {
    channel: {
      id: channel.id,
      name: channel.name,
      is_channel: !channel.isIm && !channel.isPrivate,
      is_group: false,
      is_im: channel.isIm,
      is_private: channel.isPrivate,
      is_member: channel.member,
      is_archived: false,
      ...(channel.imUser ? { user: channel.imUser } : {}),
    },
  };
}

function replies({ state, args }: MethodContext): Record<string, unknown> {
  const a = parseArgs(
    z.looseObject({
      include_all_metadata: boolArg.optional(),
      limit: intArg.min(1).optional(),
      cursor: z.string().optional(),
      oldest: z.string().optional(),
      latest: z.string().optional(),
      inclusive: boolArg.optional(),
    }),
    args,
  );
  const channel = state.channels.get(requireString(args, 'channel', 'channel_not_found'));
  if (!channel) throw new SlackApiError('channel_not_found');
  if (!channel.member) throw new SlackApiError(channel.isPrivate ? 'channel_not_found' : 'not_in_channel');
  const ts = requireString(args, 'ts', 'thread_not_found');
  const target = state.find(channel.id, ts);
  if (!target) throw new SlackApiError('thread_not_found');
  // The parent first, then the replies within oldest/latest (exclusive unless `inclusive`).
  const [parent, ...rest] = state.list(channel.id, target.threadTs ?? target.ts);
  const within = (ts: string): boolean =>
    (a.oldest === undefined ||
      compareTs(ts, a.oldest) > 0 ||
      (a.inclusive === true && compareTs(ts, a.oldest) === 0)) &&
    (a.latest === undefined || compareTs(ts, a.latest) < 0 || (a.inclusive === true && compareTs(ts, a.latest) === 0));
  const all = parent ? [parent, ...rest.filter((m) => within(m.ts))] : [];
  const start = a.cursor ? Number(Buffer.from(a.cursor, 'base64').toString().replace('offset:', '')) : 0;
  const limit = Math.min(a.limit ?? 1000, 1000);
  const page = all.slice(start, start + limit);
  const more = start + limit < all.length;
  return {
    messages: page.map((m) => apiMessage(state, m, a.include_all_metadata ?? false)),
    has_more: more,
    response_metadata: { next_cursor: more ? Buffer.from(`offset:${start + limit}`).toString('base64') : '' },
  };
}

function join({ state, args }: MethodContext): Record<string, unknown> {
  needScope(state, 'channels:join');
  const channel = state.channels.get(requireString(args, 'channel', 'channel_not_found'));
  if (!channel || (channel.isPrivate && !channel.member)) throw new SlackApiError('channel_not_found');
  if (channel.isPrivate || channel.isIm) throw new SlackApiError('method_not_supported_for_channel_type');
  const already = channel.member;
  // Slack also posts "… has joined the channel" there; the fake keeps no system messages.
  if (!already) state.ensureChannel(channel.id, { member: true });
  return {
    channel: { id: channel.id, name: channel.name, is_channel: true, is_private: false, is_member: true },
    ...(already ? { warning: 'already_in_channel', response_metadata: { warnings: ['already_in_channel'] } } : {}),
  };
}

function reactionsAdd({ state, args }: MethodContext): Record<string, unknown> {
  const channel = requireString(args, 'channel', 'channel_not_found');
  const name = requireString(args, 'name', 'invalid_name');
  if (name.includes(':')) throw new SlackApiError('invalid_name');
  const message = state.find(channel, requireString(args, 'timestamp', 'message_not_found'));
  if (!message) throw new SlackApiError('message_not_found');
  if (!state.react(message, name, state.bot.userId)) throw new SlackApiError('already_reacted');
  return {};
}

/** The message methods, by Web API name. */
export const chatMethods: Record<string, MethodDef> = {
  'chat.postMessage': { token: 'bot', handle: postMessage },
  'chat.update': { token: 'bot', handle: update },
  'chat.delete': { token: 'bot', handle: remove },
  'chat.postEphemeral': { token: 'bot', handle: postEphemeral },
  'conversations.open': { token: 'bot', handle: open },
  'conversations.info': { token: 'bot', handle: info },
  'conversations.replies': { token: 'bot', handle: replies },
  'conversations.join': { token: 'bot', handle: join },
  'reactions.add': { token: 'bot', handle: reactionsAdd },
};
