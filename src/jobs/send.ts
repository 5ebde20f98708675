/**
 * Sending a generation's job: the insert runs on the caller's transaction client, so the job
 * commits (or not) with the row that the request layer writes beside it.
 */
import { createHash } from 'node:crypto';
import type { PgBoss } from 'pg-boss';
import { ErrorCode, PermanentError } from '../errors.ts';
import type { Db } from '../db/pool.ts';
import { getTracer } from '../telemetry/tracer.ts';
import { BOSS_SCHEMA, QUEUES, type GenerateJob } from './queue.ts';

/**
 * pg-boss runs its insert through this, on the transaction's client, as a named prepared statement
 * (`NamedQuery`): its insert took 1.35 ms, 1.0 of it to parse and plan. pg-boss builds the same few
 * texts (one per queue and set of options; its values are parameters), so each text is named by
 * its hash; past `BOSS_STATEMENTS_MAX` texts, the rest go unnamed, so that a text that ever carried
 * a value could not fill every connection with prepared statements.
 */
export function bossDb(db: Db) {
  return {
    executeSql: (text: string, values?: unknown[]) => {
      const name = bossStatementName(text);
      return name ? db.query({ name, text, values: values ?? [] }) : db.query(text, values);
    },
  };
}

/** The most pg-boss texts that are named (a handful are in use). */
const BOSS_STATEMENTS_MAX = 32;
const bossStatements = new Map<string, string>();

function bossStatementName(text: string): string | undefined {
  const known = bossStatements.get(text);
  if (known !== undefined || bossStatements.size >= BOSS_STATEMENTS_MAX) return known;
  const name = `scribe_boss_${createHash('sha256').update(text).digest('hex').slice(0, 24)}`;
  bossStatements.set(text, name);
  return name;
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
