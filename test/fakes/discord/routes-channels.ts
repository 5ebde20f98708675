/**
 * Channel routes used with the bot token: messages (with `enforce_nonce` de-duplication and
 * Discord's limits), edits, deletes, threads (from a message or standalone) and the bot's own
 * reactions. Permission failures answer as Discord does (50001 / 50013).
 */
import type { RouteDeps } from './deps.ts';
import { isThread, requireBot, unknownMessage } from './deps.ts';
import { fail, type RouteContext, type RouteDef, type RouteResult } from './rest.ts';
import { validateMessage, validateThreadName, type MessageBody } from './validate.ts';
import { Permission } from './world.ts';
import { snowflake } from './snowflake.ts';
import type { APIAttachment } from 'discord.js';

/** Message, thread and reaction routes. */
export function channelRoutes(deps: RouteDeps): RouteDef[] {
  const r = (method: string, pattern: string, handle: (ctx: RouteContext) => RouteResult): RouteDef => ({
    method,
    pattern,
    auth: true,
    handle,
  });
  const { world, messages } = deps;
  const reactionPath = '/channels/:channel/messages/:message/reactions/:emoji';

  return [
    r('GET', '/channels/:channel', (ctx) => {
      const check = requireBot(deps, ctx.params.channel!);
      return 'error' in check ? check.error : { status: 200, body: check.channel };
    }),
    r('GET', '/channels/:channel/messages', (ctx) => {
      const check = requireBot(deps, ctx.params.channel!, Permission.ReadMessageHistory);
      return 'error' in check ? check.error : { status: 200, body: messages.list(ctx.params.channel!, ctx.query) };
    }),
    r('POST', '/channels/:channel/messages', (ctx) => createMessage(deps, ctx)),
    r('GET', '/channels/:channel/messages/:message', (ctx) => {
      const check = requireBot(deps, ctx.params.channel!, Permission.ReadMessageHistory);
      if ('error' in check) return check.error;
      const stored = messages.get(ctx.params.channel!, ctx.params.message!);
      return stored && !stored.visibleTo ? { status: 200, body: stored.message } : unknownMessage();
    }),
    r('PATCH', '/channels/:channel/messages/:message', (ctx) => {
      const check = requireBot(deps, ctx.params.channel!);
      if ('error' in check) return check.error;
      const stored = messages.get(ctx.params.channel!, ctx.params.message!);
      if (!stored || stored.visibleTo) return unknownMessage();
      if (stored.message.author.id !== world.bot.id)
        return fail(403, 'Cannot edit a message authored by another user', 50005);
      const body = (ctx.body ?? {}) as MessageBody;
      const { flags = 0, content, embeds } = stored.message;
      const invalid = validateMessage(body, true, { flags, content, embeds });
      if (invalid) return { status: 400, body: invalid };
      return { status: 200, body: messages.edit(stored, dropEmbedsWithoutPermission(deps, ctx.params.channel!, body)) };
    }),
    r('DELETE', '/channels/:channel/messages/:message', (ctx) => {
      const check = requireBot(deps, ctx.params.channel!);
      if ('error' in check) return check.error;
      const stored = messages.get(ctx.params.channel!, ctx.params.message!);
      if (!stored || stored.visibleTo) return unknownMessage();
      const mine = stored.message.author.id === world.bot.id;
      if (!mine && !(world.permissionsIn(ctx.params.channel!, world.bot.id) & Permission.ManageMessages)) {
        return fail(403, 'Missing Permissions', 50013);
      }
      messages.delete(stored);
      return { status: 204 };
    }),
    r('POST', '/channels/:channel/messages/:message/threads', (ctx) => createThread(deps, ctx, ctx.params.message)),
    r('POST', '/channels/:channel/threads', (ctx) => createThread(deps, ctx, undefined)),
    r('DELETE', '/channels/:channel', (ctx) => {
      // Only threads are deleted through the fake (Manage Threads, as on Discord).
      const channel = world.channels.get(ctx.params.channel!);
      if (!channel || !isThread(channel)) return fail(403, 'Missing Permissions', 50013);
      const check = requireBot(deps, channel.id, Permission.ManageThreads);
      if ('error' in check) return check.error;
      world.channels.delete(channel.id);
      deps.emit('THREAD_DELETE', {
        id: channel.id,
        type: channel.type,
        guild_id: channel.guild_id,
        parent_id: channel.parent_id,
      });
      return { status: 200, body: channel };
    }),
    r('PUT', '/channels/:channel/thread-members/:user', (ctx) => {
      const channel = world.channels.get(ctx.params.channel!);
      if (channel && !isThread(channel)) return fail(400, 'Cannot execute action on this channel type', 50024);
      const check = requireBot(deps, ctx.params.channel!, Permission.SendMessagesInThreads);
      if ('error' in check) return check.error;
      if (!world.guildOf(check.channel.id)?.members.has(ctx.params.user!)) return fail(404, 'Unknown Member', 10007);
      const members = world.threadMembers.get(check.channel.id) ?? new Set<string>();
      world.threadMembers.set(check.channel.id, members.add(ctx.params.user!));
      return { status: 204 };
    }),
    r('POST', '/channels/:channel/typing', (ctx) => {
      const check = requireBot(deps, ctx.params.channel!, Permission.SendMessages);
      return 'error' in check ? check.error : { status: 204 };
    }),
    r('PUT', `${reactionPath}/@me`, (ctx) => {
      const check = requireBot(deps, ctx.params.channel!, Permission.AddReactions | Permission.ReadMessageHistory);
      if ('error' in check) return check.error;
      const stored = messages.get(ctx.params.channel!, ctx.params.message!);
      if (!stored) return unknownMessage();
      const emoji = parseEmoji(ctx.params.emoji!);
      if (messages.addReaction(stored, ctx.params.emoji!, world.bot.id)) {
        deps.emit('MESSAGE_REACTION_ADD', {
          user_id: world.bot.id,
          channel_id: ctx.params.channel,
          message_id: stored.message.id,
          guild_id: check.channel.guild_id,
          member: world.member(check.channel.guild_id!, world.bot.id),
          emoji,
          message_author_id: stored.message.author.id,
          burst: false,
          burst_colors: [],
          type: 0,
        });
      }
      return { status: 204 };
    }),
    r('DELETE', `${reactionPath}/@me`, (ctx) => {
      const stored = messages.get(ctx.params.channel!, ctx.params.message!);
      if (!stored) return unknownMessage();
      stored.reactions.get(ctx.params.emoji!)?.delete(world.bot.id);
      return { status: 204 };
    }),
    r('GET', reactionPath, (ctx) => {
      const stored = messages.get(ctx.params.channel!, ctx.params.message!);
      if (!stored) return unknownMessage();
      const ids = [...(stored.reactions.get(ctx.params.emoji!) ?? [])];
      return { status: 200, body: ids.map((id) => world.users.get(id)).filter(Boolean) };
    }),
  ];
}

/** `🔁` or `name:id` as in the path → the emoji object of gateway events. */
export function parseEmoji(key: string): { id: string | null; name: string; animated?: boolean } {
  const custom = /^(?:a:)?([\w-]+):(\d+)$/.exec(key);
  return custom ? { id: custom[2]!, name: custom[1]! } : { id: null, name: key };
}

/** Without Embed Links, Discord accepts the message but silently drops its embeds. */
function dropEmbedsWithoutPermission(deps: RouteDeps, channelId: string, body: MessageBody): MessageBody {
  if (!body.embeds?.length) return body;
  const bits = deps.world.permissionsIn(channelId, deps.world.bot.id);
  return bits & Permission.EmbedLinks ? body : { ...body, embeds: [] };
}

function createMessage(deps: RouteDeps, ctx: RouteContext): RouteResult {
  const channelId = ctx.params.channel!;
  const channel = deps.world.channels.get(channelId);
  const needed = channel && isThread(channel) ? Permission.SendMessagesInThreads : Permission.SendMessages;
  const check = requireBot(deps, channelId, needed);
  if ('error' in check) return check.error;
  const body = (ctx.body ?? {}) as MessageBody;
  const invalid = validateMessage(body, false);
  if (invalid) return { status: 400, body: invalid };
  if (body.nonce !== undefined && body.enforce_nonce) {
    // Same nonce within a few minutes: Discord returns the first message instead of a duplicate.
    const existing = deps.messages.findByNonce(channelId, deps.world.bot.id, body.nonce);
    if (existing) return { status: 200, body: existing };
  }
  if (body.message_reference?.message_id && !deps.messages.byId.has(body.message_reference.message_id)) {
    return fail(400, 'Invalid Form Body', 50035, {
      errors: {
        message_reference: { _errors: [{ code: 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', message: 'Unknown message' }] },
      },
    });
  }
  const attachments = messageAttachments(deps, channelId, body, ctx.files);
  if ('error' in attachments) return attachments.error;
  return {
    status: 200,
    body: deps.messages.create(channelId, deps.world.bot, dropEmbedsWithoutPermission(deps, channelId, body), {
      attachments: attachments.list,
    }),
  };
}

/**
 * The files sent with a message: each `attachments` entry `{id, filename}` names the multipart
 * field `files[id]`, served afterwards from the fake's CDN path. A named file that was not sent is
 * Discord's 50035.
 */
function messageAttachments(
  deps: RouteDeps,
  channelId: string,
  body: MessageBody,
  files: RouteContext['files'],
): { list: APIAttachment[] } | { error: RouteResult } {
  const list: APIAttachment[] = [];
  for (const [i, entry] of (body.attachments ?? []).entries()) {
    const { id, filename } = entry as { id?: unknown; filename?: unknown };
    const file = files.find((f) => f.field === `files[${String(id)}]`);
    if (!file)
      return {
        error: fail(400, 'Invalid Form Body', 50035, {
          errors: {
            attachments: { [i]: { _errors: [{ code: 'ATTACHMENT_NOT_FOUND', message: 'Attachment data not found' }] } },
          },
        }),
      };
    const name = typeof filename === 'string' && filename ? filename : file.name;
    const attachmentId = snowflake();
    const path = `/attachments/${channelId}/${attachmentId}/${encodeURIComponent(name)}`;
    const url = deps.serveFile?.(path, file.type || 'application/octet-stream', file.data) ?? path;
    list.push({
      id: attachmentId,
      filename: name,
      size: file.data.length,
      url,
      proxy_url: url,
      content_type: file.type || 'application/octet-stream',
    });
  }
  return { list };
}

function createThread(deps: RouteDeps, ctx: RouteContext, messageId: string | undefined): RouteResult {
  const channelId = ctx.params.channel!;
  const body = (ctx.body ?? {}) as { name?: unknown; type?: number; auto_archive_duration?: number };
  const type = messageId ? 11 : (body.type ?? 12);
  const channel = deps.world.channels.get(channelId);
  if (channel && isThread(channel)) return fail(400, 'Cannot execute action on this channel type', 50024);
  const check = requireBot(
    deps,
    channelId,
    type === 12 ? Permission.CreatePrivateThreads : Permission.CreatePublicThreads,
  );
  if ('error' in check) return check.error;
  const invalid = validateThreadName(body.name);
  if (invalid) return { status: 400, body: invalid };
  if (messageId) {
    const stored = deps.messages.get(channelId, messageId);
    if (!stored || stored.visibleTo) return unknownMessage();
    if (deps.world.channels.has(messageId))
      return fail(400, 'A thread has already been created for this message', 160004);
  }
  const opts = {
    type,
    ...(messageId ? { messageId } : {}),
    ...(body.auto_archive_duration ? { autoArchive: body.auto_archive_duration } : {}),
  };
  return { status: 201, body: deps.messages.createThread(channelId, deps.world.bot, body.name as string, opts) };
}
