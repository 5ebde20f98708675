/**
 * The checks of a batch, as pure functions over loaded context (like checks.ts, which they
 * extend): a batch is refused whole when it is larger than what is left of the person's quota or
 * its estimated cost larger than what is left of the workspace's budget, and
 * Cancel batch is for the requester or an admin, from the batch's own parent message.
 */
import type { Batch } from '../db/batches.ts';
import type { User } from '../db/users.ts';
import { checkBatchSpend, type Refusal, type StartContext } from './checks.ts';

/** A batch larger than the quota left today, with the numbers. */
export interface BatchQuotaRefusal {
  kind: 'quota';
  quota: number;
  /** Recipients in the batch. */
  asked: number;
  /** Emails left today. */
  left: number;
}

/**
 * The workspace's daily budget is spent, or the batch's estimated cost does not fit what is left
 * (`batch` says by how much), or new work is paused after a spend limit: no batch starts.
 */
export type BatchBudgetRefusal = Extract<Refusal, { kind: 'budget' }>;
export type BatchStartRefusal = BatchQuotaRefusal | BatchBudgetRefusal;

export function checkBatchStart(ctx: StartContext, size: number): BatchStartRefusal | undefined {
  const left = Math.max(0, ctx.dailyQuota - ctx.usedToday);
  if (size > left) return { kind: 'quota', quota: ctx.dailyQuota, asked: size, left };
  return checkBatchSpend(ctx.spend, size);
}

export type BatchActionRefusal =
  | { kind: 'not-found' }
  | { kind: 'wrong-team' }
  | { kind: 'wrong-message' }
  | { kind: 'not-allowed'; requesterId: string | undefined };

export interface BatchActionContext {
  batch: Batch | undefined;
  actor: User;
  actorTeamId: string;
  actorIsAdmin: boolean | undefined;
  requesterId: string | undefined;
  /** The message the button was on; null from no chat message. */
  messageId: string | null;
}

/** Whether Cancel batch may go ahead; the first reason it may not. */
export function checkBatchAction(ctx: BatchActionContext): BatchActionRefusal | undefined {
  const { batch } = ctx;
  if (!batch || batch.platform !== ctx.actor.platform) return { kind: 'not-found' };
  if (batch.teamId !== ctx.actorTeamId) return { kind: 'wrong-team' };
  if (ctx.messageId !== null && batch.parentMessageId !== ctx.messageId) return { kind: 'wrong-message' };
  if (ctx.actor.id !== batch.userId && ctx.actorIsAdmin !== true)
    return { kind: 'not-allowed', requesterId: ctx.requesterId };
  return undefined;
}
