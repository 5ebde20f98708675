/**
 * The checks of a batch, as pure functions over loaded context (like checks.ts, which they
 * extend): a batch is refused whole when it is larger than what is left of the person's quota or
 * its estimated cost larger than what is left of the workspace's budget, and
 * Cancel batch is for the requester or an admin, from the batch's own parent message. A start's
 * refusal is worded here too (`batchQuotaText`), as jobs/budget.ts words the budget's: the bots
 * and `createBatch` (its `BatchQuotaError`) say the same sentence.
 */
import type { Batch } from '../db/batches.ts';
import type { User } from '../db/users.ts';
import { budgetText } from '../jobs/budget.ts';
import { formatUsd } from '../pipeline/prices.ts';
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

/** "This batch has 12 recipients, but you have 5 of your 20 emails left today…" */
export function batchQuotaText(r: BatchStartRefusal): string {
  if (r.kind === 'budget' && r.batch) {
    const { emails, emailUsd, leftUsd } = r.batch;
    return (
      `This batch of ${emails} emails would cost about ${formatUsd(emails * emailUsd)} (≈ ${formatUsd(emailUsd)} each, ` +
      `from recent emails), but ${formatUsd(leftUsd)} of this workspace's ${formatUsd(r.budgetUsd ?? 0)} daily budget ` +
      'is left once the emails already under way are paid for, so nothing was started. Send a smaller batch, or wait ' +
      'for the budget to reset at midnight UTC.'
    );
  }
  if (r.kind === 'budget') return budgetText(r.budgetUsd, r.pausedUntil);
  return (
    `This batch has ${r.asked} recipients, but you have ${r.left} of your ${r.quota} emails left today, ` +
    'so nothing was started. Send a smaller batch, or wait for the quota to reset at midnight UTC.'
  );
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
