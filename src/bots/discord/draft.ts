/**
 * Starting a generation from Discord: validate, check the quota, post the progress message with the
 * bot token, start a thread on it, then record and enqueue. Nothing here uses the interaction
 * token, which expires after 15 minutes while a job may wait longer: the worker reaches the
 * progress message and the thread through REST alone.
 *
 * A request that is refused (bad input, quota, no permission to post) leaves nothing in the
 * channel: those checks come before the first post, and a failure after it removes the post.
 */
import { Routes, type RESTPostAPIChannelMessageResult, type RESTPostAPIChannelThreadsResult } from 'discord.js';
import {
  createGeneration, InvalidRequestError, parseGenerationRequest, QuotaExceededError, remainingQuota,
  type GenerationRequest,
} from '../../jobs/enqueue.ts';
import { initialProgress } from '../../jobs/progress.ts';
import type { Generation } from '../../db/generations.ts';
import { upsertUser, type UserIdentity } from '../../db/users.ts';
import type { DiscordBotDeps } from './deps.ts';
import { INPUTS } from './ids.ts';
import { escapeMarkdown, NO_MENTIONS, renderProgress, threadName } from './render.ts';
import { isMissingPermission } from './reporter.ts';

/** One week: later regenerations find the thread still open. */
const THREAD_AUTO_ARCHIVE_MINUTES = 10_080;

export interface DraftInput {
  user: UserIdentity & { platform: 'discord' };
  channelId: string;
  request: unknown;
  /** Permissions the bot lacks here (from the interaction's `app_permissions`), by name. */
  missing: { post: string[]; thread: string[] };
}

export type DraftOutcome =
  | { kind: 'invalid'; fields: InvalidRequestError['fields'] }
  | { kind: 'quota'; message: string }
  | { kind: 'cannot-post'; missing: string[] }
  | { kind: 'started'; generation: Generation; threadId: string | null; threadProblem?: { missing: string[] } | 'failed' };

/** Runs the flow; answers what happened, for the handler to tell the person. */
export async function startDraft(deps: DiscordBotDeps, input: DraftInput): Promise<DraftOutcome> {
  const { pool, rest } = deps;
  let request: GenerationRequest;
  try {
    request = parseGenerationRequest(input.request);
  } catch (err) {
    if (err instanceof InvalidRequestError) return { kind: 'invalid', fields: err.fields };
    throw err;
  }
  if (input.missing.post.length) return { kind: 'cannot-post', missing: input.missing.post };
  const user = await upsertUser(pool, input.user);
  if ((await remainingQuota(pool, user.id, deps.dailyQuota)) <= 0) {
    return { kind: 'quota', message: new QuotaExceededError(deps.dailyQuota).message };
  }

  let progressMessageId: string;
  try {
    const body = {
      content: `Requested by <@${input.user.platformUserId}>`,
      embeds: [renderProgress(initialProgress(request.recipientName, 1))],
      allowed_mentions: NO_MENTIONS,
    };
    // Discord's message object, typed by discord-api-types.
    progressMessageId = ((await rest.post(Routes.channelMessages(input.channelId), { body })) as RESTPostAPIChannelMessageResult).id;
  } catch (err) {
    if (isMissingPermission(err)) return { kind: 'cannot-post', missing: ['View Channel', 'Send Messages', 'Embed Links'] };
    throw err;
  }

  const log = deps.logger.child({ channelId: input.channelId, progressMessageId });
  let threadId: string | null = null;
  let threadProblem: { missing: string[] } | 'failed' | undefined;
  if (input.missing.thread.length) {
    threadProblem = { missing: input.missing.thread };
  } else {
    try {
      const body = { name: threadName(request.recipientName), auto_archive_duration: THREAD_AUTO_ARCHIVE_MINUTES };
      threadId = ((await rest.post(Routes.threads(input.channelId, progressMessageId), { body })) as RESTPostAPIChannelThreadsResult).id;
    } catch (err) {
      // Without a thread the same flow goes on in the channel; the person is told why.
      threadProblem = isMissingPermission(err) ? { missing: ['Create Public Threads', 'Send Messages in Threads'] } : 'failed';
      log.warn({ err }, 'could not start a thread; the email will be posted in the channel');
    }
  }
  if (threadId) {
    // A thread member is notified of the replies in it (the result, a failure).
    await rest.put(Routes.threadMembers(threadId, input.user.platformUserId))
      .catch((err: unknown) => log.warn({ err, threadId }, 'could not add the requester to the thread'));
  }

  try {
    const generation = await createGeneration(deps, {
      user: input.user,
      request,
      address: { channelId: input.channelId, threadId, progressMessageId },
    });
    log.info({ generationId: generation.id, threadId }, 'generation queued from Discord');
    return { kind: 'started', generation, threadId, ...(threadProblem ? { threadProblem } : {}) };
  } catch (err) {
    // Refused after all (another request took the last slot meanwhile): leave nothing behind.
    await removePosts(deps, input.channelId, progressMessageId, threadId);
    if (err instanceof QuotaExceededError) return { kind: 'quota', message: err.message };
    if (err instanceof InvalidRequestError) return { kind: 'invalid', fields: err.fields };
    throw err;
  }
}

async function removePosts(deps: DiscordBotDeps, channelId: string, messageId: string, threadId: string | null): Promise<void> {
  const quiet = (err: unknown) => deps.logger.warn({ err, messageId }, 'could not remove a progress message');
  if (threadId) await deps.rest.delete(Routes.channel(threadId)).catch(quiet);
  await deps.rest.delete(Routes.channelMessage(channelId, messageId)).catch(quiet);
}

const FIELD_NAMES: Record<keyof GenerationRequest, string> = {
  template: INPUTS.template,
  recipientName: INPUTS.recipientName,
  recipientInterest: INPUTS.recipientInterest,
};

/** What the person is told (ephemerally) about their request. */
export function draftReply(outcome: DraftOutcome, channelId: string): string {
  switch (outcome.kind) {
    case 'invalid': {
      const lines = Object.entries(outcome.fields).map(([field, message]) =>
        `• \`${FIELD_NAMES[field as keyof GenerationRequest]}\`: ${message}`);
      return `I couldn't start that email:\n${lines.join('\n')}`;
    }
    case 'quota':
      return outcome.message;
    case 'cannot-post':
      return `I can't post in <#${channelId}>: I'm missing ${list(outcome.missing)} there. ` +
        'Ask a server admin to allow Scribe in this channel, or run /scribe in another one. Nothing was started.';
    case 'started': {
      const name = escapeMarkdown(outcome.generation.recipientName);
      if (outcome.threadId) return `✍️ Drafting your email to **${name}** in <#${outcome.threadId}>. You'll be notified there when it's ready.`;
      const why = outcome.threadProblem && outcome.threadProblem !== 'failed'
        ? `I'm missing ${list(outcome.threadProblem.missing)} here (a server admin can allow them)`
        : 'Discord did not let me';
      return `✍️ Drafting your email to **${name}** right here in <#${channelId}>. I couldn't start a thread — ${why} — ` +
        'so the progress and the email will be posted in this channel.';
    }
  }
}

function list(names: readonly string[]): string {
  return names.length <= 1 ? (names[0] ?? 'a permission') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
}
