/**
 * The request layer's port on Discord, over the bot token's REST only: nothing uses the
 * interaction token, which expires after 15 minutes while a job may wait longer. A thread is
 * started on the progress message (it gets the message's id); a new version's progress message is
 * posted inside the thread. Also Discord's wording style.
 */
import { Routes, type RESTPostAPIChannelMessageResult, type RESTPostAPIChannelThreadsResult } from 'discord.js';
import { CANNOT_POST } from '../../requests/port.ts';
import type { ActionPort, PostedMessage, StartPort, TellPrivately } from '../../requests/port.ts';
import type { ChatStyle } from '../shared/outcomes.ts';
import { isMissingPermission } from './client.ts';
import type { DiscordBotDeps } from './deps.ts';
import { addressOf } from '../../thread/reporter.ts';
import { loadBatchView } from '../../requests/batch.ts';
import { editBatch } from './batch-reporter.ts';
import { escapeMarkdown, renderProgress, renderTell, threadName } from './render.ts';
import { createDiscordReporter, editProgress, progressChannelOf, replyChannelOf } from './reporter.ts';
import type { EditPort } from '../../requests/edit.ts';

/** One week: later regenerations find the thread still open. */
const THREAD_AUTO_ARCHIVE_MINUTES = 10_080;

export const DISCORD_STYLE: ChatStyle = {
  mention: (userId) => `<@${userId}>`,
  bold: (text) => `**${escapeMarkdown(text)}**`,
  command: '/scribe',
  admin: 'a member with Manage Messages',
  cannotPostInThread:
    "I can't post in this thread any more (I'm missing Send Messages in Threads or Embed Links). " +
    'Ask a server admin to allow them, then try again.',
  statusTitle: '**Scribe status**',
  warning: '⚠️',
};

async function post(deps: DiscordBotDeps, channelId: string, body: object): Promise<string> {
  // Never a route with an empty id (`/channels//messages`): the caller refuses first.
  if (!channelId) throw new Error('no channel id to post in');
  // Discord's message object, typed by discord-api-types.
  return ((await deps.rest.post(Routes.channelMessages(channelId), { body })) as RESTPostAPIChannelMessageResult).id;
}

async function removeQuietly(deps: DiscordBotDeps, route: `/${string}`): Promise<void> {
  await deps.rest
    .delete(route)
    .catch((err: unknown) => deps.logger.warn({ err, route }, 'could not remove an unused message'));
}

/** Where `/scribe` ran, for whom, and the permissions the bot lacks there (from `app_permissions`). */
export interface StartPlace {
  userId: string;
  channelId: string;
  recipientName: string;
  missing: { post: string[]; thread: string[] };
}

/** The start port; afterwards it tells what it could not do, for the reply. */
export function startPort(
  deps: DiscordBotDeps,
  place: StartPlace,
): StartPort & {
  cannotPost: string[];
  threadProblem: { missing: string[] } | 'failed' | undefined;
} {
  const port = {
    cannotPost: [] as string[],
    threadProblem: undefined as { missing: string[] } | 'failed' | undefined,
    async postProgress(
      view: Parameters<StartPort['postProgress']>[0],
      generationId?: string,
    ): Promise<PostedMessage | typeof CANNOT_POST> {
      if (place.missing.post.length) {
        port.cannotPost = place.missing.post;
        return CANNOT_POST;
      }
      const body = renderProgress(view, generationId, `Requested by <@${place.userId}>`);
      try {
        return { channelId: place.channelId, messageId: await post(deps, place.channelId, body) };
      } catch (err) {
        if (!isMissingPermission(err)) throw err;
        port.cannotPost = ['View Channel', 'Send Messages', 'Embed Links'];
        return CANNOT_POST;
      }
    },
    async openThread(progress: PostedMessage): Promise<string | null> {
      if (place.missing.thread.length) {
        port.threadProblem = { missing: place.missing.thread };
        return null;
      }
      let threadId: string;
      try {
        const body = { name: threadName(place.recipientName), auto_archive_duration: THREAD_AUTO_ARCHIVE_MINUTES };
        threadId = (
          (await deps.rest.post(Routes.threads(progress.channelId, progress.messageId), {
            body,
          })) as RESTPostAPIChannelThreadsResult
        ).id;
      } catch (err) {
        // Without a thread the same flow goes on in the channel; the person is told why.
        port.threadProblem = isMissingPermission(err)
          ? { missing: ['Create Public Threads', 'Send Messages in Threads'] }
          : 'failed';
        deps.logger.warn({ err }, 'could not start a thread; the email will be posted in the channel');
        return null;
      }
      // A thread member is notified of the replies in it (the result, a failure).
      await deps.rest
        .put(Routes.threadMembers(threadId, place.userId))
        .catch((err: unknown) => deps.logger.warn({ err, threadId }, 'could not add the requester to the thread'));
      return threadId;
    },
    async remove(progress: PostedMessage, threadId: string | null): Promise<void> {
      if (threadId) await removeQuietly(deps, Routes.channel(threadId));
      await removeQuietly(deps, Routes.channelMessage(progress.channelId, progress.messageId));
    },
  };
  return port;
}

/** The action port for one person's request. */
export function actionPort(deps: DiscordBotDeps, actorId: string, isAdmin: () => Promise<boolean>): ActionPort {
  return {
    isAdmin,
    async postProgress(parent, view, asked) {
      const channelId = parent.threadId ?? parent.channelId;
      if (!channelId) return CANNOT_POST;
      const body = renderProgress(view, undefined, `<@${actorId}> asked for ${asked}`);
      try {
        return { channelId, messageId: await post(deps, channelId, body) };
      } catch (err) {
        if (isMissingPermission(err)) return CANNOT_POST;
        throw err;
      }
    },
    remove: (message) => removeQuietly(deps, Routes.channelMessage(message.channelId, message.messageId)),
    async showProgress(generation, view) {
      // A batch row's progress is its line in the batch's table (a Retry puts it back to ⏳).
      if (generation.batchId) {
        const loaded = await loadBatchView(deps.pool, generation.batchId);
        const batch = loaded?.batch;
        if (!loaded || !batch?.channelId || !batch.parentMessageId) return;
        await editBatch(deps.rest, batch.channelId, batch.parentMessageId, loaded.view);
        return;
      }
      const channelId = progressChannelOf(addressOf(generation));
      if (!channelId || !generation.progressMessageId) return;
      await editProgress(deps.rest, channelId, generation.progressMessageId, view, generation.id);
    },
  };
}

/** The port of an Edit / Edit research: the worker's reporter posts in the thread. */
export function editPort(deps: DiscordBotDeps, isAdmin: () => Promise<boolean>): EditPort {
  return {
    isAdmin,
    reporter: createDiscordReporter({ rest: deps.rest, logger: deps.logger }),
    async removeFromThread(g, messageIds) {
      const channelId = replyChannelOf(addressOf(g));
      for (const id of messageIds) if (channelId) await removeQuietly(deps, Routes.channelMessage(channelId, id));
    },
  };
}

/** No interaction to answer privately (a reaction): said in the thread, to the person. */
export function tellInThread(deps: DiscordBotDeps, channelId: string | null, userId: string): TellPrivately {
  return async (text) => {
    if (!channelId) return;
    await post(deps, channelId, renderTell(userId, text));
  };
}
