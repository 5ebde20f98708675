/**
 * Sending a generation's job: the insert runs on the caller's transaction client, so the job
 * commits (or not) with the row that the request layer writes beside it.
 */
import type { PgBoss } from 'pg-boss';
import { ErrorCode, PermanentError } from '../errors.ts';
import type { Db } from '../db/pool.ts';
import { getTracer } from '../telemetry/tracer.ts';
import { BOSS_SCHEMA, QUEUES, type GenerateJob } from './queue.ts';

/** pg-boss runs its insert through this, on the transaction's client. */
export function bossDb(db: Db) {
  return { executeSql: (text: string, values?: unknown[]) => db.query(text, values) };
}

/** How long `sendJobAgain` waits for the generation's previous job to be settled by pg-boss. */
const PREVIOUS_JOB_WAIT_MS = 5_000;

/**
 * Sends a settled generation's job again (Retry, Write the email). The worker settles the row and
 * posts the button before its handler returns, and pg-boss settles the job only after that: a
 * click in between would meet the old job still `active`, which `exclusive` refuses. So wait
 * (briefly) for pg-boss to finish with it first.
 */
export async function sendJobAgain(boss: PgBoss, db: Db, generationId: string): Promise<void> {
  const until = Date.now() + PREVIOUS_JOB_WAIT_MS;
  for (;;) {
    const { rows } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM ${BOSS_SCHEMA}.job WHERE name = $1 AND singleton_key = $2 AND state = 'active'`,
      [QUEUES.generate, generationId],
    );
    if ((rows[0]?.n ?? 0) === 0 || Date.now() > until) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  await sendJob(boss, db, generationId);
}

/**
 * Sends the generation's job on `db` (a transaction's client, so it commits with the row).
 * `priority`: higher runs first; single requests keep pg-boss's default 0, batch rows go below it.
 */
export async function sendJob(boss: PgBoss, db: Db, generationId: string, priority?: number): Promise<void> {
  const traceparent = getTracer().traceparent();
  const job: GenerateJob = traceparent ? { generationId, traceparent } : { generationId };
  const id = await boss.send(QUEUES.generate, job, {
    singletonKey: generationId,
    db: bossDb(db),
    ...(priority ? { priority } : {}),
  });
  if (id === null) {
    // `exclusive` refuses a second job for a generation that already has one queued or active.
    throw new PermanentError(ErrorCode.Internal, `Generation ${generationId} already has a job in the queue`);
  }
}
