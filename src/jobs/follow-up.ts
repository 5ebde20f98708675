/**
 * Follow-up reminders (issue 22, item 4): the job that *Remind me* sends (on the request's
 * transaction, so it exists exactly when the reminder does), and the `scribe.follow-up` handler that
 * posts the draft in the email's thread when it comes due.
 *
 * Exactly once: the handler first claims the reminder (`claimFollowUp`: still scheduled, and due at
 * the time this job was sent for). *Got a reply* or *Cancel reminder* before then, a redelivery
 * after a restart, or an older job of a reminder set again all find nothing to claim and stop
 * quietly (`follow-up.skipped`). A model call that fails puts the reminder back and pg-boss tries
 * again; a worker that dies between the claim and the post loses that reminder (at most once: a
 * second draft in the thread would be worse than none, and the state says `posted`).
 */
import type { PgBoss, Job } from 'pg-boss';
import type pg from 'pg';
import { z } from 'zod';
import type { Db } from '../db/pool.ts';
import { getGeneration } from '../db/generations.ts';
import { claimFollowUp, followUpStateOf, holdFollowUp, saveFollowUp } from '../db/outreach.ts';
import type { Logger } from '../log.ts';
import { draftFollowUp } from '../pipeline/follow-up.ts';
import type { Llm } from '../pipeline/ports.ts';
import { DEFAULT_PRICES, tokenCost, type PriceTable } from '../pipeline/prices.ts';
import { addressOf, type FollowUpView, type ThreadReporter } from '../thread/reporter.ts';
import { budgetText, checkSpend, loadToday } from './budget.ts';
import { QUEUES, WORKER_POLLING, type FollowUpJob } from './queue.ts';
import { bossDb } from './send.ts';
import { quotaText } from '../thread/follow-up.ts';

/** A reminder's job waits in pg-boss's `created` state: keep it two weeks past its due time. */
const RETENTION_AFTER_DUE_S = 14 * 24 * 3600;

/** Sends the reminder's job on `db` (the transaction that set it), to start at `dueAt`. */
export async function sendFollowUpJob(boss: PgBoss, db: Db, outreachId: string, dueAt: Date): Promise<void> {
  const job: FollowUpJob = { outreachId, dueAt: dueAt.toISOString() };
  const delayS = Math.max(0, Math.ceil((dueAt.getTime() - Date.now()) / 1000));
  await boss.send(QUEUES.followUp, job, {
    startAfter: dueAt,
    singletonKey: outreachId,
    retentionSeconds: delayS + RETENTION_AFTER_DUE_S,
    db: bossDb(db),
  });
}

const JobSchema = z.object({ outreachId: z.uuid(), dueAt: z.iso.datetime({ offset: true }) });

export interface FollowUpWorkerDeps {
  pool: pg.Pool;
  reporter: ThreadReporter;
  llm: Llm;
  /** The fast model writes it (see src/pipeline/follow-up.ts). */
  model: string;
  prices?: PriceTable | undefined;
  dailyQuota: number;
  dailyBudgetUsd?: number | undefined;
  logger: Logger;
}

/** Subscribes the `scribe.follow-up` handler; returns its stop function. */
export async function startFollowUpWorker(
  boss: PgBoss,
  deps: FollowUpWorkerDeps,
  polling: { pollingIntervalSeconds?: number } = {},
): Promise<{ stop(): Promise<void> }> {
  const id = await boss.work<FollowUpJob>(
    QUEUES.followUp,
    { pollingIntervalSeconds: polling.pollingIntervalSeconds ?? WORKER_POLLING.pollingIntervalSeconds, batchSize: 1 },
    async (jobs: Job<FollowUpJob>[]) => {
      for (const job of jobs) await handleFollowUp(deps, job.data);
    },
  );
  return { stop: () => boss.offWork(QUEUES.followUp, { id, wait: true }) };
}

/** One reminder come due. Throws only when pg-boss should try again (the reminder is put back first). */
export async function handleFollowUp(deps: FollowUpWorkerDeps, data: unknown): Promise<void> {
  const parsed = JobSchema.safeParse(data);
  if (!parsed.success) {
    deps.logger.error({ data }, 'malformed follow-up job; dropped');
    return;
  }
  const { outreachId } = parsed.data;
  const dueAt = new Date(parsed.data.dueAt);
  const claimed = await claimFollowUp(deps.pool, outreachId, dueAt);
  if (!claimed) {
    const state = await followUpStateOf(deps.pool, outreachId);
    deps.logger.info(
      { event: 'follow-up.skipped', outreachId, state: state ?? 'gone' },
      'follow-up not posted: the reminder changed before it was due',
    );
    return;
  }
  const g = await getGeneration(deps.pool, claimed.generationId);
  const log = deps.logger.child({ generationId: claimed.generationId, outreachId });
  if (!g?.email) {
    log.warn({ event: 'follow-up.skipped', state: 'no-email' }, 'follow-up not posted: the email is gone');
    return;
  }
  const address = addressOf(g);
  const base = { recipientName: claimed.recipientName, sentAt: claimed.sentAt };
  const hold = async (reason: string, why: 'quota' | 'budget') => {
    await holdFollowUp(deps.pool, outreachId);
    await post(deps, address, { kind: 'held', ...base, reason });
    log.info({ event: 'follow-up.held', reason: why }, 'follow-up held');
  };
  // The claim counted this follow-up already: more than the quota means it is one too many.
  const today = await loadToday(
    deps.pool,
    { platform: g.platform, teamId: g.teamId, userId: claimed.userId },
    deps.dailyBudgetUsd,
  );
  if (today.usedToday > deps.dailyQuota) return hold(quotaText(deps.dailyQuota), 'quota');
  const refusal = checkSpend(today.spend);
  if (refusal) return hold(budgetText(refusal.budgetUsd, refusal.pausedUntil), 'budget');
  let drafted: Awaited<ReturnType<typeof draftFollowUp>>;
  try {
    drafted = await draftFollowUp(deps.llm, deps.model, {
      recipientName: g.recipientName,
      email: g.email,
      language: g.steps.parse?.output?.language ?? 'en',
      sentAt: claimed.sentAt,
    });
  } catch (err) {
    // Put it back, due at the same time, for pg-boss's retry to claim.
    await deps.pool.query(
      `UPDATE outreach SET follow_up = 'scheduled', follow_up_posted_at = NULL WHERE id = $1 AND follow_up = 'posted'`,
      [outreachId],
    );
    log.warn({ err, event: 'follow-up.failed' }, 'follow-up draft failed; pg-boss tries again');
    throw err;
  }
  const usd = tokenCost(deps.prices ?? DEFAULT_PRICES, deps.model, drafted.usage) ?? 0;
  await saveFollowUp(deps.pool, outreachId, drafted.body, Math.round(usd * 1e6) / 1e6);
  await post(deps, address, { kind: 'draft', ...base, body: drafted.body });
  log.info(
    { event: 'follow-up.posted', words: drafted.body.split(/\s+/).length, usd, platform: g.platform },
    'follow-up posted',
  );
}

async function post(deps: FollowUpWorkerDeps, address: ReturnType<typeof addressOf>, view: FollowUpView) {
  if (!deps.reporter.followUp) throw new Error(`No follow-up reporter for ${address.platform}`);
  await deps.reporter.followUp(address, view);
}
