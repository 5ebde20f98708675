/**
 * The request layer's port on Slack: posting progress messages, threads (a Slack thread hangs off
 * the progress message itself), removing what a refused request posted, saying things to one
 * person, and Slack's wording style.
 *
 * Slash commands cannot run inside threads, so the bot always makes the thread's parent itself;
 * where it is not a member of the channel, it drafts in a DM with the person and says why.
 */
import { z } from 'zod';
import { CANNOT_POST } from '../../requests/port.ts';
import type { ActionPort, PostedMessage, StartPort, TellPrivately } from '../../requests/port.ts';
import type { EditPort } from '../../requests/edit.ts';
import { loadBatchView } from '../../requests/batch.ts';
import { renderBatch } from './batch-render.ts';
import { createSlackReporter } from './reporter.ts';
import type { ChatStyle } from '../shared/outcomes.ts';
import { CANNOT_POST_CODES, slackErrorCode } from './client.ts';
import type { SlackBotDeps } from './deps.ts';
import { escapeMrkdwn, renderProgress, type SlackMessage } from './render.ts';

export const SLACK_STYLE: ChatStyle = {
  mention: (userId) => `<@${userId}>`,
  bold: (text) => `*${escapeMrkdwn(text)}*`,
  command: '`/scribe`',
  admin: 'a workspace admin',
  cannotPostInThread:
    "I can't post in this thread any more: I'm not in the channel. Invite me with `/invite @Scribe`, then try again.",
  statusTitle: '*Scribe status*',
  warning: ':warning:',
};

const cannotPost = (err: unknown) => CANNOT_POST_CODES.has(slackErrorCode(err) ?? '');

async function post(
  deps: SlackBotDeps,
  channel: string,
  message: Pick<SlackMessage, 'text'> & Partial<SlackMessage>,
  threadTs?: string,
): Promise<string> {
  const { ts } = await deps.client.chat.postMessage({
    channel,
    ...message,
    ...(threadTs ? { thread_ts: threadTs } : {}),
    unfurl_links: false,
  });
  if (!ts) throw new Error('chat.postMessage answered without a ts');
  return ts;
}

async function removeQuietly(deps: SlackBotDeps, channel: string, ts: string | undefined): Promise<void> {
  if (!ts) return;
  await deps.client.chat
    .delete({ channel, ts })
    .catch((err: unknown) => deps.logger.warn({ err, channel, ts }, 'could not remove an unused message'));
}

/** Where `/scribe` ran, and for whom. */
export interface StartPlace {
  userId: string;
  channel: string;
  /** The command's response URL (valid 30 minutes), carried by the modal. */
  responseUrl: string | undefined;
  recipientName: string;
}

/** The start port; `where` tells afterwards whether it drafted in the channel or in a DM. */
export function startPort(deps: SlackBotDeps, place: StartPlace): StartPort & { where: 'channel' | 'dm' } {
  let mentionTs: string | undefined;
  const port = {
    where: 'channel' as 'channel' | 'dm',
    async postProgress(view: Parameters<StartPort['postProgress']>[0], generationId?: string): Promise<PostedMessage> {
      const message = renderProgress(view, generationId);
      try {
        return { channelId: place.channel, messageId: await post(deps, place.channel, message) };
      } catch (err) {
        if (!cannotPost(err)) throw err;
      }
      // Not a member (or a private channel): the person's DM with the bot instead, and why.
      deps.logger.info({ channel: place.channel }, 'not in the channel; drafting in a DM');
      const dm = (await deps.client.conversations.open({ users: place.userId })).channel?.id;
      if (!dm) throw new Error('conversations.open answered without a channel id');
      const why =
        `I'm not a member of <#${place.channel}>, so I'm drafting your email here instead. ` +
        `To have me post in <#${place.channel}>, invite me there with \`/invite @Scribe\`.`;
      await deps.client.chat.postMessage({ channel: dm, text: why });
      if (place.responseUrl) {
        await deps
          .respond(place.responseUrl, {
            text:
              `I can't post in this channel because I'm not a member, so I'm drafting your email to ` +
              `*${escapeMrkdwn(place.recipientName)}* in our DM instead. Invite me with \`/invite @Scribe\` to use me here.`,
          })
          .catch((e: unknown) => deps.logger.warn({ err: e }, 'could not explain the DM through the response URL'));
      }
      port.where = 'dm';
      return { channelId: dm, messageId: await post(deps, dm, message) };
    },
    async openThread(progress: PostedMessage): Promise<string> {
      // Slack subscribes a person to a thread they are mentioned in: they hear about the result.
      if (port.where === 'channel') {
        const text = `<@${place.userId}> I'll post the email in this thread when it's ready.`;
        mentionTs = await post(deps, progress.channelId, { text }, progress.messageId).catch((err: unknown) => {
          deps.logger.warn({ err }, 'could not mention the requester in the thread');
          return undefined;
        });
      }
      return progress.messageId;
    },
    async remove(progress: PostedMessage): Promise<void> {
      await removeQuietly(deps, progress.channelId, mentionTs);
      await removeQuietly(deps, progress.channelId, progress.messageId);
    },
  };
  return port;
}

const UsersInfoSchema = z.looseObject({
  user: z
    .looseObject({
      is_admin: z.boolean().optional(),
      is_owner: z.boolean().optional(),
      is_primary_owner: z.boolean().optional(),
    })
    .optional(),
});

/** Whether a person is a workspace admin or owner (`users.info`; asked only when it matters). */
export async function isWorkspaceAdmin(deps: Pick<SlackBotDeps, 'client'>, userId: string): Promise<boolean> {
  const { user } = UsersInfoSchema.parse(await deps.client.users.info({ user: userId }));
  return Boolean(user?.is_admin || user?.is_owner || user?.is_primary_owner);
}

/** The action port for one person's request. */
export function actionPort(deps: SlackBotDeps, actorId: string): ActionPort {
  return {
    isAdmin: () => isWorkspaceAdmin(deps, actorId),
    async postProgress(parent, view) {
      if (!parent.channelId || !parent.threadId) return CANNOT_POST;
      try {
        return {
          channelId: parent.channelId,
          messageId: await post(deps, parent.channelId, renderProgress(view), parent.threadId),
        };
      } catch (err) {
        if (cannotPost(err)) return CANNOT_POST;
        throw err;
      }
    },
    remove: (message) => removeQuietly(deps, message.channelId, message.messageId),
    async showProgress(generation, view) {
      // A batch row's progress is its line in the batch's table (a Retry puts it back to ⏳).
      if (generation.batchId) {
        const loaded = await loadBatchView(deps.pool, generation.batchId);
        const batch = loaded?.batch;
        if (loaded && batch?.channelId && batch.parentMessageId)
          await deps.client.chat.update({
            channel: batch.channelId,
            ts: batch.parentMessageId,
            ...renderBatch(loaded.view),
          });
        return;
      }
      if (!generation.channelId || !generation.progressMessageId) return;
      const message = renderProgress(view, generation.id);
      await deps.client.chat.update({
        channel: generation.channelId,
        ts: generation.progressMessageId,
        text: message.text,
        blocks: message.blocks,
      });
    },
  };
}

/** The port of an Edit / Edit research: the worker's reporter posts in the thread. */
export function editPort(deps: SlackBotDeps, actorId: string): EditPort {
  return {
    isAdmin: () => isWorkspaceAdmin(deps, actorId),
    reporter: createSlackReporter({ client: deps.client, logger: deps.logger }),
    async removeFromThread(g, messageIds) {
      for (const ts of messageIds) if (g.channelId) await removeQuietly(deps, g.channelId, ts);
    },
  };
}

/** Through the response URL when there is one, else a DM. */
export function tellViaResponseUrl(deps: SlackBotDeps, responseUrl: string | undefined, userId: string): TellPrivately {
  return async (text) => {
    if (responseUrl) {
      const sent = await deps.respond(responseUrl, { text, replace_original: false }).then(
        () => true,
        () => false,
      );
      if (sent) return;
    }
    await deps.client.chat.postMessage({ channel: userId, text });
  };
}

/** No response URL for a reaction: an ephemeral in the thread, which needs the bot in the channel. */
export function tellInThread(
  deps: SlackBotDeps,
  channel: string,
  threadTs: string | null,
  userId: string,
): TellPrivately {
  return async (text) => {
    await deps.client.chat.postEphemeral({ channel, user: userId, text, ...(threadTs ? { thread_ts: threadTs } : {}) });
  };
}

/** Slack's limit on a thread title is not documented; a name is cut well before any sensible one. */
const TITLE_MAX = 100;

/** An email started from the agent view: its thread is titled after the recipient (best effort). */
export async function titleAgentThread(
  deps: SlackBotDeps,
  channel: string,
  threadTs: string,
  recipientName: string,
): Promise<void> {
  const title = `Email to ${recipientName}`.slice(0, TITLE_MAX);
  try {
    await deps.client.assistant.threads.setTitle({ channel_id: channel, thread_ts: threadTs, title });
    deps.logger.info({ event: 'agent.titled', title }, 'agent thread titled');
  } catch (err) {
    deps.logger.warn({ err, event: 'agent.title_failed' }, 'could not title the agent thread');
  }
}
