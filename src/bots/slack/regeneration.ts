/**
 * A new version of an email, asked for with a result's button or a :repeat: reaction: check who
 * asks, post the new progress message in the same thread ("version N"), then record and enqueue
 * through `regenerate`.
 *
 * Duplicates never start a second version:
 * - In memory, per process: the same person asking the same thing of the same email within
 *   `REGENERATE_COLLAPSE_MS` (a double click, :repeat: and :recycle: together) is dropped at once;
 *   the handler also drops an Events API `event_id` it has seen (Slack redelivers an event it
 *   thinks was not acknowledged: at once, after 1 and after 5 minutes).
 * - In Postgres, across processes and restarts: a request made at time T is answered by any new
 *   version of that email with the same instruction created since T. So `regenerate` is asked to
 *   collapse into a child created within max(`REGENERATE_COLLAPSE_MS`, now − T + clock skew),
 *   checked under the owner's row lock. For a reaction T is the event's own `event_ts`, which a
 *   redelivery keeps: a redelivery 5 minutes later finds the version the first delivery started.
 *   This needs no table of seen event ids.
 */
import { z } from 'zod';
import { findRecentChild, getGeneration, latestVersionInThread } from '../../db/generations.ts';
import { getUser, upsertUser, type UserIdentity } from '../../db/users.ts';
import { QuotaExceededError, remainingQuota } from '../../jobs/enqueue.ts';
import { initialProgress } from '../../jobs/progress.ts';
import { INSTRUCTIONS, regenerate, reusableSteps } from '../../jobs/regenerate.ts';
import { CANNOT_POST, slackErrorCode } from './client.ts';
import type { SlackBotDeps } from './deps.ts';
import { renderProgress } from './render.ts';
import { refusedRegeneration, type RegenerationOutcome } from '../outcomes.ts';

/** Requests for the same new version within this window are one request. */
export const REGENERATE_COLLAPSE_MS = 10_000;
/** Slack's clock (event_ts) against Postgres's (created_at). */
const CLOCK_SKEW_MS = 5_000;

/** What is asked for: the same email again, or a shorter one. */
export type RegenerateAction = 'regenerate' | 'shorter';

/** Who asks for a new version of which email, and when. */
export interface RegenerationInput {
  generationId: string;
  action: RegenerateAction;
  actor: UserIdentity & { platform: 'slack' };
  /** When the person asked (a reaction's `event_ts`); default now. */
  requestedAt?: Date;
}

/** What came of a request, for the handler to tell (or not tell) the person. */
export type { RegenerationOutcome } from '../outcomes.ts';

const UsersInfoSchema = z.looseObject({
  user: z.looseObject({ is_admin: z.boolean().optional(), is_owner: z.boolean().optional(), is_primary_owner: z.boolean().optional() }).optional(),
});

/** Whether a person is a workspace admin or owner (`users.info`; asked only when it matters). */
export async function isWorkspaceAdmin(deps: Pick<SlackBotDeps, 'client'>, userId: string): Promise<boolean> {
  const { user } = UsersInfoSchema.parse(await deps.client.users.info({ user: userId }));
  return Boolean(user?.is_admin || user?.is_owner || user?.is_primary_owner);
}

/** Runs the flow; answers what happened, for the handler to tell (or not tell) the person. */
export async function requestRegeneration(deps: SlackBotDeps, input: RegenerationInput): Promise<RegenerationOutcome> {
  const { pool, client } = deps;
  if (!deps.recentRequests.claim(`${input.generationId}:${input.actor.platformUserId}:${input.action}`)) return { kind: 'duplicate' };
  const parent = await getGeneration(pool, input.generationId);
  if (!parent || parent.platform !== 'slack' || !parent.channelId || !parent.threadId) return { kind: 'not-found' };
  const log = deps.logger.child({ generationId: parent.id, action: input.action });

  const actor = await upsertUser(pool, input.actor);
  let isAdmin: boolean | undefined;
  if (actor.id !== parent.userId) {
    isAdmin = await isWorkspaceAdmin(deps, input.actor.platformUserId);
    if (!isAdmin) return { kind: 'not-allowed', requesterId: (await getUser(pool, parent.userId))?.platformUserId };
  }
  if ((await remainingQuota(pool, parent.userId, deps.dailyQuota)) <= 0) {
    return { kind: 'quota', message: new QuotaExceededError(deps.dailyQuota).message };
  }
  const instruction = input.action === 'shorter' ? INSTRUCTIONS.shorter : undefined;
  const age = Date.now() - (input.requestedAt ?? new Date()).getTime();
  const collapseWithinMs = Math.max(REGENERATE_COLLAPSE_MS, age + CLOCK_SKEW_MS);
  // Checked before posting, so a duplicate leaves no trace in the thread; `regenerate` checks again under the lock.
  if (await findRecentChild(pool, parent.id, instruction ?? null, collapseWithinMs)) return { kind: 'duplicate' };

  // The version and reused steps shown until the worker's first edit (which has the final word).
  const version = (await latestVersionInThread(pool, 'slack', parent.channelId, parent.threadId)) + 1;
  const progress = renderProgress(initialProgress(parent.recipientName, version, reusableSteps(parent, deps.researchCacheTtlMs, new Date())));
  let progressMessageId: string | undefined;
  try {
    ({ ts: progressMessageId } = await client.chat.postMessage({ channel: parent.channelId, thread_ts: parent.threadId, ...progress, unfurl_links: false }));
  } catch (err) {
    if (CANNOT_POST.has(slackErrorCode(err) ?? '')) return { kind: 'cannot-post' };
    throw err;
  }
  if (!progressMessageId) throw new Error('chat.postMessage answered without a ts');

  try {
    const child = await regenerate(deps, {
      generationId: parent.id,
      byUser: { ...input.actor, ...(isAdmin === undefined ? {} : { isAdmin }) },
      instruction,
      progressMessageId,
      collapseWithinMs,
    });
    log.info({ childId: child.id, version: child.version }, 'regeneration queued from Slack');
    return { kind: 'started', child };
  } catch (err) {
    await client.chat.delete({ channel: parent.channelId, ts: progressMessageId })
      .catch((e: unknown) => log.warn({ err: e }, 'could not remove an unused progress message'));
    return refusedRegeneration(err);
  }
}

/** What a person is told about a refused request; undefined when nothing needs saying. */
export function regenerationReply(outcome: RegenerationOutcome): string | undefined {
  switch (outcome.kind) {
    case 'not-allowed':
      return `Only ${outcome.requesterId ? `<@${outcome.requesterId}>` : 'the person who asked for this email'} ` +
        'or a workspace admin can regenerate it.';
    case 'quota':
      return outcome.message;
    case 'not-found':
      return 'That email no longer exists, so there is nothing to regenerate. Run `/scribe` to write a new one.';
    case 'cannot-post':
      return "I can't post in this thread any more: I'm not in the channel. Invite me with `/invite @Scribe`, then try again.";
    case 'started':
    case 'duplicate':
      return undefined;
  }
}
