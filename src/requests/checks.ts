/**
 * Every check on a request, written once, as pure functions over a loaded context. The flows run
 * them twice by design: optimistically before the first post (or before the ack, where a platform
 * wants an early answer, e.g. Slack's modal), and authoritatively inside the transaction, under
 * the quota lock, on a context reloaded there. Nothing here queries or posts.
 */
import type { Generation } from '../db/generations.ts';
import type { User } from '../db/users.ts';
import type { SpendContext } from '../jobs/budget.ts';
import { checkSpend } from '../jobs/budget.ts';
import { boundToThread, type ActionMessage } from './actions.ts';

/** Why a request is refused. */
export type Refusal =
  | { kind: 'quota'; quota: number }
  | { kind: 'not-found' }
  /** The actor's workspace/guild is not the email's. */
  | { kind: 'wrong-team' }
  /** The clicked (or reacted-to) message is not one of the email's own messages. */
  | { kind: 'wrong-message' }
  | { kind: 'not-allowed'; requesterId: string | undefined }
  | { kind: 'duplicate'; existing: Generation }
  /**
   * The workspace's spend today reached SCRIBE_DAILY_BUDGET_USD (`budgetUsd`), or its generations
   * hit the Anthropic spend limit and new ones are paused (`pausedUntil`).
   */
  | { kind: 'budget'; budgetUsd: number | undefined; pausedUntil: Date | undefined; batch?: BatchEstimate | undefined };

/** Why a batch does not fit what is left of the budget (`checkBatchSpend`). */
export interface BatchEstimate {
  /** Recipients in the batch. */
  emails: number;
  /** The estimated cost of one email (USD). */
  emailUsd: number;
  /** What is left of today's budget once the emails already waiting are paid for (USD, ≥ 0). */
  leftUsd: number;
}

export { checkSpend, type SpendContext } from '../jobs/budget.ts';

/**
 * A batch fits the budget when its emails' estimated cost fits what is left of it today, the
 * emails already waiting or being written counted as spent.
 */
export function checkBatchSpend(
  spend: SpendContext | undefined,
  emails: number,
): Extract<Refusal, { kind: 'budget' }> | undefined {
  const refusal = checkSpend(spend);
  if (refusal || !spend?.estimate || spend.budgetUsd === undefined) return refusal;
  const { emailUsd, unsettled } = spend.estimate;
  const leftUsd = Math.max(0, spend.budgetUsd - spend.todayUsd - unsettled * emailUsd);
  if (emails * emailUsd <= leftUsd) return undefined;
  return { kind: 'budget', budgetUsd: spend.budgetUsd, pausedUntil: undefined, batch: { emails, emailUsd, leftUsd } };
}

/** What a new generation is checked against. */
export interface StartContext {
  user: User;
  /** Generations counted against this person's quota today. */
  usedToday: number;
  dailyQuota: number;
  /** The workspace's spend (undefined: not checked, e.g. an older caller). */
  spend?: SpendContext | undefined;
}

/** Why a new generation is refused once its input is valid. */
export type StartRefusal = Extract<Refusal, { kind: 'quota' | 'budget' }>;

export function checkStart(ctx: StartContext): StartRefusal | undefined {
  if (ctx.usedToday >= ctx.dailyQuota) return { kind: 'quota', quota: ctx.dailyQuota };
  return checkSpend(ctx.spend);
}

/**
 * What an action on an existing email is checked against. Everything but the admin flag is
 * always loaded; the platform is asked about admins only when it matters.
 */
export interface ActionContext {
  parent: Generation | undefined;
  actor: User;
  /** The actor's workspace/guild as the platform says it (not as stored). */
  actorTeamId: string;
  /** Asked of the platform only when the actor is not the requester (and in the right team). */
  actorIsAdmin: boolean | undefined;
  /** The requester's platform user id, for "Only <@U…> can …". */
  requesterId: string | undefined;
  /** The message the action came from; null when it came from no chat message (CLI, tests). */
  messageId: string | null;
  /**
   * Which of the parent's messages the action may come from. For `review` and `identity`,
   * `messageId` is the thread the button's message is in (Slack's thread ts, Discord's thread id),
   * as the platform says.
   */
  on: ActionMessage;
  /**
   * The thread the button's message is in, as the platform says it (Slack's `thread_ts`, Discord's
   * thread channel). A batch row has no progress message of its own: its `progress` actions (Retry
   * on its failure reply) are bound to the batch's thread instead.
   */
  threadId?: string | null | undefined;
  /** The action makes a new version, charged to the requester's quota (cancel and retry do not). */
  charges: boolean;
  /** The action calls the model (everything but a cancel), so the workspace's budget applies. */
  spends: boolean;
  /** A version of the parent asked for the same way within the dedupe window. */
  recent: Generation | undefined;
  /** The requester's use of their quota today (the email and its versions are theirs). */
  usedToday: number;
  dailyQuota: number;
  /** The email's workspace's spend: a new version is a new generation. */
  spend?: SpendContext | undefined;
}

/** Where a request on an existing email comes from: the actor's platform and team, the message. */
export type PlaceContext = Pick<ActionContext, 'parent' | 'actorTeamId' | 'messageId' | 'on' | 'threadId'> & {
  platform: User['platform'];
};

/** Why an email is not there for this request: it does not exist here, or not for this team or message. */
export type PlaceRefusal = Extract<Refusal, { kind: 'not-found' | 'wrong-team' | 'wrong-message' }>;

/**
 * The first rules of every request on an existing email (an action, a Copy): the email exists on
 * this platform, the actor's team/guild is the email's, and the message is one of the email's own —
 * so a forged or stale payload never reaches another workspace's email.
 */
export function checkPlace(ctx: PlaceContext): PlaceRefusal | undefined {
  const { parent } = ctx;
  if (!parent || parent.platform !== ctx.platform) return { kind: 'not-found' };
  if (parent.teamId !== ctx.actorTeamId) return { kind: 'wrong-team' };
  if (ctx.messageId !== null && !isMessageOf(parent, ctx.on, ctx.messageId, ctx.threadId))
    return { kind: 'wrong-message' };
  return undefined;
}

/** Whether the action may go ahead; the first reason it may not, in the order a person would care. */
export function checkAction(ctx: ActionContext): Refusal | undefined {
  const { parent } = ctx;
  const misplaced = checkPlace({ ...ctx, platform: ctx.actor.platform });
  if (misplaced || !parent) return misplaced ?? { kind: 'not-found' };
  if (ctx.actor.id !== parent.userId && ctx.actorIsAdmin !== true)
    return { kind: 'not-allowed', requesterId: ctx.requesterId };
  if (ctx.recent) return { kind: 'duplicate', existing: ctx.recent };
  if (ctx.charges && ctx.usedToday >= ctx.dailyQuota) return { kind: 'quota', quota: ctx.dailyQuota };
  // A cancel spends nothing; a retry and a new version call the model again, so the budget applies.
  return ctx.spends ? checkSpend(ctx.spend) : undefined;
}

/** Whether `messageId` is the parent's message the action is bound to. */
function isMessageOf(
  parent: Generation,
  on: ActionContext['on'],
  messageId: string,
  threadId: string | null | undefined,
): boolean {
  if (boundToThread(on)) return parent.threadId !== null && parent.threadId === messageId;
  if (on === 'progress' && parent.progressMessageId === null && parent.batchId !== null)
    return parent.threadId !== null && parent.threadId === threadId;
  return on === 'progress' ? parent.progressMessageId === messageId : parent.resultMessageIds.includes(messageId);
}

/** True when the actor is someone other than the requester, so the platform must say if they are an admin. */
export function needsAdminCheck(parent: Generation, actor: User, actorTeamId: string): boolean {
  return actor.id !== parent.userId && parent.teamId === actorTeamId;
}
