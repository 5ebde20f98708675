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
import type { Db } from '../db/pool.ts';
import * as generations from '../db/generations.ts';
import type { Generation } from '../db/generations.ts';
import { announceCancel, CancelledError, type CancelBus } from './cancel-bus.ts';
import { bossDb, sendJobAgain } from './enqueue.ts';
import { BOSS_SCHEMA, QUEUES } from './queue.ts';

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
  | { kind: 'not-retryable' };

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

/**
 * The signal a job runs under: the worker's shutdown, pg-boss's own (aborted when a heartbeat
 * finds the job cancelled or expired), and the cancel bus's for this generation (at once).
 */
export function jobSignal(
  signals: readonly (AbortSignal | undefined)[],
  bus: CancelBus | undefined,
  generationId: string,
): { signal: AbortSignal; release(): void } {
  const watch = bus?.watch(generationId);
  const all = [...signals, watch?.signal].filter((s): s is AbortSignal => s !== undefined);
  return { signal: AbortSignal.any(all), release: () => watch?.release() };
}

/**
 * The check between steps: the row is the record of a cancel, and a NOTIFY sent while the
 * listener was reconnecting is lost. Throws `CancelledError` when the row says cancelled.
 */
export async function throwIfCancelled(db: Db, generationId: string): Promise<void> {
  if ((await generations.statusOf(db, generationId)) === 'cancelled') throw new CancelledError(generationId);
}

/** Whether a run stopped because its generation was cancelled (the error, the signal, or the row). */
export async function wasCancelled(
  db: Db,
  generationId: string,
  err: unknown,
  signal: AbortSignal | undefined,
): Promise<boolean> {
  if (err instanceof CancelledError || signal?.reason instanceof CancelledError) return true;
  if (err instanceof Error && err.cause instanceof CancelledError) return true;
  // pg-boss's own abort (the job cancelled in pg-boss) carries no reason of ours: ask the row.
  return (await generations.statusOf(db, generationId).catch(() => undefined)) === 'cancelled';
}
