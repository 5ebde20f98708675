/**
 * Cancel and Retry: actions on a generation itself (not a new version), the authoritative halves
 * that src/requests/act.ts runs in a transaction after its checks.
 *
 * Cancel: one conditional update (`cancelUnposted`) is the record and the race's referee — a
 * second click, a second process or the worker about to post all meet at it, and only one wins.
 * Then, in the same transaction, NOTIFY (delivered on commit) reaches whichever worker holds a
 * running job (cancel-bus.ts), and pg-boss cancels a job still waiting. A job fetched in between
 * finds the row cancelled when it starts, or between steps, and stops.
 *
 * Retry: `failed` → `queued` and a new job (the same singleton key: the old one is dead), so the
 * worker resumes after the last saved step.
 */
import type { PgBoss } from 'pg-boss';
import type { Db } from '../../db/pool.ts';
import * as generations from '../../db/generations.ts';
import type { Generation } from '../../db/generations.ts';
import { announceCancel } from '../../jobs/cancel-bus.ts';
import { bossDb, sendJobAgain } from '../../jobs/send.ts';
import { BOSS_SCHEMA, QUEUES } from '../../jobs/queue.ts';
import { chooseIdentity } from '../../pipeline/identity/filter.ts';
import { choiceOf, describeChoice } from '../../thread/identity.ts';

/** What came of a cancel or a retry, once allowed. */
export type SteerResult =
  | { kind: 'cancelled'; generation: Generation }
  | { kind: 'retrying'; generation: Generation }
  /** *Write the email* after the research review (review.ts): step 4 is queued. */
  | { kind: 'writing'; generation: Generation }
  /** The email was posted (or is being posted) before the cancel: nothing changes. */
  | { kind: 'too-late' }
  /** Nothing to do in this state (already cancelled, failed, finished; not failed for a retry). */
  | { kind: 'nothing-to-do'; status: generations.GenerationStatus }
  /** The failure was permanent: retrying the same thing cannot help. */
  | { kind: 'not-retryable' }
  /** "Which …?" answered (identity.ts): the choice saved, the email queued; `choice` says whom. */
  | { kind: 'chosen'; generation: Generation; choice: string }
  /** "Which …?" was answered already (a second click): nothing changes; `choice` says what was chosen. */
  | { kind: 'already-chosen'; choice: string }
  /** The button carried an option the question never offered (stale or forged): nothing changes. */
  | { kind: 'not-an-option' };

/** Cancels `generationId` on `tx`, for `byUserId`. */
export async function commitCancel(
  boss: PgBoss,
  tx: Db,
  generationId: string,
  byUserId: string | null,
): Promise<SteerResult> {
  const cancelled = await generations.cancelUnposted(tx, generationId, byUserId);
  if (!cancelled) {
    const row = await generations.getGeneration(tx, generationId);
    if (!row) return { kind: 'nothing-to-do', status: 'cancelled' };
    if (row.status === 'succeeded' || row.resultPostingAt !== null) return { kind: 'too-late' };
    return { kind: 'nothing-to-do', status: row.status };
  }
  await announceCancel(tx, generationId);
  const { rows } = await tx.query<{ id: string }>(
    `SELECT id FROM ${BOSS_SCHEMA}.job WHERE name = $1 AND singleton_key = $2 AND state IN ('created', 'retry')`,
    [QUEUES.generate, generationId],
  );
  if (rows.length > 0)
    await boss.cancel(
      QUEUES.generate,
      rows.map((r) => r.id),
      { db: bossDb(tx) },
    );
  return { kind: 'cancelled', generation: cancelled };
}

/** Re-enqueues a failed `generationId` on `tx`, when its failure was one that retrying can help. */
export async function commitRetry(boss: PgBoss, tx: Db, generationId: string): Promise<SteerResult> {
  const row = await generations.getGeneration(tx, generationId);
  if (!row) return { kind: 'nothing-to-do', status: 'cancelled' };
  if (row.status !== 'failed') return { kind: 'nothing-to-do', status: row.status };
  if (row.failureRetryable !== true) return { kind: 'not-retryable' };
  const requeued = await generations.requeueFailed(tx, generationId);
  if (!requeued) return { kind: 'nothing-to-do', status: 'queued' };
  await sendJobAgain(boss, tx, generationId);
  return { kind: 'retrying', generation: requeued };
}

/** *Write the email*: back to the queue with the review done, and a job for step 4. */
export async function commitResume(boss: PgBoss, tx: Db, generationId: string): Promise<SteerResult> {
  const resumed = await generations.resumeAfterReview(tx, generationId);
  if (!resumed) {
    const row = await generations.getGeneration(tx, generationId);
    return { kind: 'nothing-to-do', status: row?.status ?? 'cancelled' };
  }
  // The first job completed at the pause: a new one with the same singleton key.
  await sendJobAgain(boss, tx, generationId);
  return { kind: 'writing', generation: resumed };
}

/**
 * The answer to "Which …?" (src/thread/identity.ts): the chosen candidate (or "None of these")
 * applied to the saved identity with `chooseIdentity` and saved on `steps.identity`, the row back
 * in the queue and a new job (the first completed at the question). The conditional update is the
 * referee: a second click, whichever button, finds the row moved on and changes nothing.
 */
export async function commitChoice(
  boss: PgBoss,
  tx: Db,
  generationId: string,
  option: string | undefined,
): Promise<SteerResult> {
  const row = await generations.getGeneration(tx, generationId);
  if (!row) return { kind: 'nothing-to-do', status: 'cancelled' };
  const record = row.steps.identity;
  const identity = record?.output;
  if (row.status !== 'awaiting_identity' || !record || !identity || identity.decision !== 'ambiguous') {
    return answered(row);
  }
  const choice = option === undefined ? undefined : choiceOf(identity, option);
  if (choice === undefined) return { kind: 'not-an-option' };
  const chosen = chooseIdentity(identity, choice);
  const saved = await generations.saveIdentityChoice(tx, generationId, { ...record, output: chosen });
  if (!saved) {
    const now = await generations.getGeneration(tx, generationId);
    return now ? answered(now) : { kind: 'nothing-to-do', status: 'cancelled' };
  }
  await sendJobAgain(boss, tx, generationId);
  return { kind: 'chosen', generation: saved, choice: describeChoice(chosen) };
}

/** A "Which …?" that is no longer waiting: answered already, or the email cancelled, failed, posted. */
function answered(row: Generation): SteerResult {
  const identity = row.steps.identity?.output;
  if (identity?.basis === 'choice' && row.status !== 'cancelled') {
    return { kind: 'already-chosen', choice: describeChoice(identity) };
  }
  return { kind: 'nothing-to-do', status: row.status };
}
