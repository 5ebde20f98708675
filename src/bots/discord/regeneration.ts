/**
 * A new version of an email, asked for with a result's button or a 🔁/🔄 reaction: check who asks,
 * post the new progress message in the same thread, then record and enqueue through `regenerate`.
 *
 * Duplicates collapse at two levels. In memory: the same person asking the same thing of the same
 * email within `REGENERATE_COLLAPSE_MS` (a double click, 🔁 and 🔄 together) is dropped before any
 * work. In the database: `regenerate` refuses a second child of the same parent with the same
 * instruction within that window, under the owner's row lock — whoever asks, and whichever process
 * (a second bot, a gateway replaying a reaction after RESUME) handles it.
 */
import { Routes, type RESTPostAPIChannelMessageResult } from 'discord.js';
import { getGeneration, latestVersionInThread } from '../../db/generations.ts';
import { getUser, upsertUser, type UserIdentity } from '../../db/users.ts';
import { QuotaExceededError, remainingQuota } from '../../jobs/enqueue.ts';
import { initialProgress } from '../../jobs/progress.ts';
import { INSTRUCTIONS, regenerate, reusableSteps } from '../../jobs/regenerate.ts';
import type { DiscordBotDeps } from './deps.ts';
import type { ResultAction } from './ids.ts';
import { NO_MENTIONS, renderProgress } from './render.ts';
import { isMissingPermission } from './reporter.ts';
import { refusedRegeneration, type RegenerationOutcome } from '../outcomes.ts';

/** Requests for the same new version within this window are one request. */
export const REGENERATE_COLLAPSE_MS = 10_000;

export interface RegenerationInput {
  generationId: string;
  action: ResultAction;
  actor: UserIdentity & { platform: 'discord' };
  /** Whether the actor may act on others' emails (Manage Messages); asked only when needed. */
  isAdmin: () => Promise<boolean>;
}

export type { RegenerationOutcome } from '../outcomes.ts';

/** Runs the flow; answers what happened, for the handler to tell (or not tell) the person. */
export async function requestRegeneration(deps: DiscordBotDeps, input: RegenerationInput): Promise<RegenerationOutcome> {
  const { pool, rest } = deps;
  if (!deps.recent.claim(`${input.generationId}:${input.actor.platformUserId}:${input.action}`)) return { kind: 'duplicate' };
  const parent = await getGeneration(pool, input.generationId);
  const channelId = parent?.threadId ?? parent?.channelId;
  if (!parent || parent.platform !== 'discord' || !channelId) return { kind: 'not-found' };
  const log = deps.logger.child({ generationId: parent.id, action: input.action });

  const actor = await upsertUser(pool, input.actor);
  let isAdmin: boolean | undefined;
  if (actor.id !== parent.userId) {
    isAdmin = await input.isAdmin();
    if (!isAdmin) return { kind: 'not-allowed', requesterId: (await getUser(pool, parent.userId))?.platformUserId };
  }
  if ((await remainingQuota(pool, parent.userId, deps.dailyQuota)) <= 0) {
    return { kind: 'quota', message: new QuotaExceededError(deps.dailyQuota).message };
  }

  // The version and reused steps shown until the worker's first edit (which has the final word).
  const version = parent.channelId && parent.threadId
    ? (await latestVersionInThread(pool, 'discord', parent.channelId, parent.threadId)) + 1
    : parent.version + 1;
  const view = initialProgress(parent.recipientName, version, reusableSteps(parent, deps.researchCacheTtlMs, new Date()));
  let progressMessageId: string;
  try {
    const what = input.action === 'shorter' ? 'a shorter version' : 'a new version';
    const body = { content: `<@${input.actor.platformUserId}> asked for ${what}`, embeds: [renderProgress(view)], allowed_mentions: NO_MENTIONS };
    // Discord's message object, typed by discord-api-types.
    progressMessageId = ((await rest.post(Routes.channelMessages(channelId), { body })) as RESTPostAPIChannelMessageResult).id;
  } catch (err) {
    if (isMissingPermission(err)) return { kind: 'cannot-post' };
    throw err;
  }

  try {
    const child = await regenerate(deps, {
      generationId: parent.id,
      byUser: { ...input.actor, ...(isAdmin === undefined ? {} : { isAdmin }) },
      instruction: input.action === 'shorter' ? INSTRUCTIONS.shorter : undefined,
      progressMessageId,
      collapseWithinMs: REGENERATE_COLLAPSE_MS,
    });
    log.info({ childId: child.id, version: child.version }, 'regeneration queued from Discord');
    return { kind: 'started', child };
  } catch (err) {
    await rest.delete(Routes.channelMessage(channelId, progressMessageId))
      .catch((e: unknown) => log.warn({ err: e }, 'could not remove an unused progress message'));
    return refusedRegeneration(err);
  }
}

/** What a person is told about a refused request; undefined when nothing needs saying. */
export function regenerationReply(outcome: RegenerationOutcome): string | undefined {
  switch (outcome.kind) {
    case 'not-allowed':
      return `Only ${outcome.requesterId ? `<@${outcome.requesterId}>` : 'the person who asked for this email'} ` +
        'or a member with Manage Messages can regenerate it.';
    case 'quota':
      return outcome.message;
    case 'not-found':
      return 'That email no longer exists, so there is nothing to regenerate. Run /scribe to write a new one.';
    case 'cannot-post':
      return "I can't post in this thread any more (I'm missing Send Messages in Threads or Embed Links). " +
        'Ask a server admin to allow them, then try again.';
    case 'started':
    case 'duplicate':
      return undefined;
  }
}
