/**
 * What the Slack and Discord bots share beyond rendering: the outcome of a regeneration request,
 * and the figures `/scribe status` shows. Platform wording stays in each adapter.
 */
import type { PgBoss } from 'pg-boss';
import type pg from 'pg';
import { ErrorCode, ScribeError } from '../errors.ts';
import type { Generation } from '../db/generations.ts';
import type { Logger } from '../log.ts';
import { QuotaExceededError, remainingQuota } from '../jobs/enqueue.ts';
import { QUEUES } from '../jobs/queue.ts';
import { DuplicateRegenerationError, NotAllowedError } from '../jobs/regenerate.ts';

export type RegenerationOutcome =
  | { kind: 'started'; child: Generation }
  | { kind: 'duplicate' }
  | { kind: 'not-allowed'; requesterId: string | undefined }
  | { kind: 'quota'; message: string }
  | { kind: 'not-found' }
  | { kind: 'cannot-post' };

/** The outcome a refused regeneration stands for; anything else is rethrown. */
export function refusedRegeneration(err: unknown): RegenerationOutcome {
  if (err instanceof DuplicateRegenerationError) return { kind: 'duplicate' };
  if (err instanceof NotAllowedError) return { kind: 'not-allowed', requesterId: undefined };
  if (err instanceof QuotaExceededError) return { kind: 'quota', message: err.message };
  if (err instanceof ScribeError && err.code === ErrorCode.NotFound) return { kind: 'not-found' };
  throw err;
}

export interface StatusFigures {
  /** "3 waiting, 1 being written", or "not set up yet". */
  waiting: string;
  /** Live workers on the generate queue; undefined when the registry could not be read. */
  workers: number | undefined;
  left: number;
  quota: number;
}

/** Queue depth, live workers and the person's remaining quota, read at once. */
export async function readStatus(
  deps: { pool: pg.Pool; boss: PgBoss; dailyQuota: number; logger: Logger },
  userId: string,
): Promise<StatusFigures> {
  const [queue, workers, left] = await Promise.all([
    deps.boss.getQueue(QUEUES.generate),
    deps.boss.getInstances().then(
      (instances) => instances.filter((i) => i.live && i.workers.some((w) => w.queue === QUEUES.generate)).length,
      (err: unknown) => {
        deps.logger.warn({ err }, 'could not read the pg-boss instance registry');
        return undefined;
      },
    ),
    remainingQuota(deps.pool, userId, deps.dailyQuota),
  ]);
  const waiting = queue ? `${queue.queuedCount} waiting, ${queue.activeCount} being written` : 'not set up yet';
  return { waiting, workers, left, quota: deps.dailyQuota };
}

/** The status lines, with the platform's bold title and warning sign. */
export function statusLines(s: StatusFigures, style: { title: string; warning: string }): string {
  const workerLine =
    s.workers === undefined
      ? 'unknown (the worker registry could not be read)'
      : s.workers > 0
        ? `${s.workers} running`
        : `${style.warning} none running — emails wait in the queue until a worker starts`;
  return [
    style.title,
    `Queue: ${s.waiting}`,
    `Workers: ${workerLine}`,
    `Your quota: ${s.left} of ${s.quota} emails left today (resets at midnight UTC)`,
  ].join('\n');
}
