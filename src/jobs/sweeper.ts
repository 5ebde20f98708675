/**
 * The sweeper: a generation still `queued` or `running` whose pg-boss job has ended (failed,
 * dead-lettered, cancelled, completed) or is gone would show "Drafting…" for ever. That happens
 * when the worker could not write the row at the end (the database failed under it on the last
 * try), or when a job was dead-lettered while no worker was there to notice. The sweeper marks
 * such rows failed and tells their thread, so a dead job always leaves a failed row and a message
 * the person sees.
 *
 * It reads pg-boss's `job` table directly: one query finds every lost row, where `findJobs` would
 * take one round trip per unsettled row. pg-boss keeps its jobs in `<schema>.job` (partitioned by
 * queue name) with `singleton_key` (= our generation id), `state` (created, retry, active —
 * live; completed, cancelled, failed — final) and `output` (what the handler returned).
 */
import { z } from 'zod';
import * as generations from '../db/generations.ts';
import type { Db } from '../db/pool.ts';
import type { Logger } from '../log.ts';
import { initialProgress } from '../thread/progress.ts';
import { BOSS_SCHEMA, QUEUES } from './queue.ts';
import { addressOf, describeFailure, type FailureReport, type ThreadReporter } from '../thread/reporter.ts';

/** What the generate handler returns as a job's output, read back here. */
export const GenerateJobOutputSchema = z.object({
  outcome: z.string().optional(),
  error: z.string().optional(),
  code: z.string().optional(),
  /** Set when the generation failed for good: what the thread is (or was) told. */
  failure: z.object({ message: z.string(), retryable: z.boolean(), tries: z.number().int().nonnegative() }).optional(),
  /** The handler already told the thread (it only failed to write the row): do not tell it twice. */
  reported: z.boolean().optional(),
});
export type GenerateJobOutput = z.infer<typeof GenerateJobOutputSchema>;

/** Said when a job ended without saying why (gone, cancelled, or a handler that never settled it). */
export const LOST_JOB_MESSAGE = 'Scribe lost track of this email before it was finished.';

export const SWEEP_DEFAULTS = {
  /** Between sweeps. The query is cheap (unsettled rows are few), but a lost row is rare too. */
  intervalMs: 5 * 60_000,
  /**
   * Rows touched more recently than this are left alone: a request being set up (row written,
   * job about to be sent) or a worker still writing to it.
   */
  graceMs: 2 * 60_000,
  /** Rows settled per sweep; the next sweep takes the rest. */
  batch: 100,
} as const;

export interface SweepDeps {
  pool: Db;
  reporter: ThreadReporter;
  logger: Logger;
}

export interface SweepOptions {
  graceMs?: number | undefined;
  batch?: number | undefined;
}

interface LostRow {
  id: string;
  attempts: number;
  jobState: string | null;
  jobOutput: unknown;
  retryCount: number | null;
}

/**
 * Unsettled generations, untouched for `graceMs`, with no live job in `scribe.generate`, and the
 * latest job they had there (if any). A job is live while `created`, `retry` or `active`.
 */
function lostRowsSql(schema: string): string {
  return `SELECT g.id, g.attempts, last.state AS "jobState", last.output AS "jobOutput", last.retry_count AS "retryCount"
    FROM generations g
    LEFT JOIN LATERAL (
      SELECT j.state::text AS state, j.output, j.retry_count FROM ${schema}.job j
      WHERE j.name = $1 AND j.singleton_key = g.id::text
      ORDER BY j.created_on DESC LIMIT 1
    ) last ON true
    WHERE g.status IN ('queued', 'running')
      AND g.updated_at < now() - $2 * interval '1 millisecond'
      AND NOT EXISTS (
        SELECT 1 FROM ${schema}.job live
        WHERE live.name = $1 AND live.singleton_key = g.id::text AND live.state IN ('created', 'retry', 'active'))
    ORDER BY g.updated_at
    LIMIT $3`;
}

/** The failure to record and tell, from what the job left behind. */
export function failureOfLostJob(row: Pick<LostRow, 'attempts' | 'jobOutput' | 'retryCount'>): {
  failure: FailureReport;
  alreadyReported: boolean;
} {
  const output = GenerateJobOutputSchema.safeParse(row.jobOutput ?? {});
  const recorded = output.success ? output.data : {};
  if (recorded.failure) return { failure: recorded.failure, alreadyReported: recorded.reported === true };
  // No failure recorded: pg-boss itself failed the job (it expired on its last try), or it is gone.
  // An `error` alone is our handler's own message from before `failure` was recorded.
  const tries = row.retryCount === null ? row.attempts : row.retryCount + 1;
  return { failure: { message: recorded.error ?? LOST_JOB_MESSAGE, retryable: true, tries }, alreadyReported: false };
}

/**
 * One sweep: settles every lost generation it finds (up to `batch`) as failed and tells its
 * thread. Returns the ids it settled. Safe to run in several workers at once: a row is settled by
 * whichever sweep's conditional update gets there first, and only that one reports it.
 */
export async function sweepLostGenerations(deps: SweepDeps, options: SweepOptions = {}): Promise<string[]> {
  const graceMs = options.graceMs ?? SWEEP_DEFAULTS.graceMs;
  const batch = options.batch ?? SWEEP_DEFAULTS.batch;
  const { rows } = await deps.pool.query<LostRow>(lostRowsSql(BOSS_SCHEMA), [QUEUES.generate, graceMs, batch]);
  const settled: string[] = [];
  for (const lost of rows) {
    const logger = deps.logger.child({ generationId: lost.id });
    const { failure, alreadyReported } = failureOfLostJob(lost);
    const message = describeFailure(failure);
    const row = await generations.failUnsettled(deps.pool, lost.id, message);
    if (!row) continue; // settled meanwhile, by its worker or another sweep
    settled.push(row.id);
    logger.warn(
      { jobState: lost.jobState ?? 'gone', alreadyReported },
      'generation left unsettled by its job; marked failed',
    );
    if (alreadyReported) continue;
    const address = addressOf(row);
    const view = {
      ...initialProgress(row.recipientName, row.version, row.steps),
      status: 'failed' as const,
      error: message,
    };
    await deps.reporter
      .progress(address, view)
      .catch((err: unknown) => logger.warn({ err }, 'could not update the progress message'));
    await deps.reporter
      .failed(address, failure)
      .catch((err: unknown) => logger.error({ err }, 'could not report the failure'));
    await deps.reporter
      .flush?.(address)
      .catch((err: unknown) => logger.warn({ err }, 'could not flush the progress message'));
  }
  return settled;
}

export interface SweeperHandle {
  /** Runs a sweep now (the periodic ones keep going). Never throws: failures are logged. */
  sweep(): Promise<string[]>;
  stop(): Promise<void>;
}

/**
 * Sweeps once now (awaited, so a worker starts with its lost rows settled) and then every
 * `intervalMs`. A sweep that fails (the database down) is logged and tried at the next interval.
 */
export async function startSweeper(
  deps: SweepDeps,
  options: SweepOptions & { intervalMs?: number | undefined } = {},
): Promise<SweeperHandle> {
  let current: Promise<string[]> | undefined;
  const sweep = (): Promise<string[]> => {
    // One sweep at a time in this process; a tick during a slow sweep joins it.
    current ??= sweepLostGenerations(deps, options)
      .catch((err: unknown) => {
        deps.logger.warn({ err }, 'sweep for lost generations failed; trying again at the next interval');
        return [];
      })
      .finally(() => {
        current = undefined;
      });
    return current;
  };
  await sweep();
  const timer = setInterval(() => void sweep(), options.intervalMs ?? SWEEP_DEFAULTS.intervalMs);
  timer.unref();
  return {
    sweep,
    async stop() {
      clearInterval(timer);
      await current;
    },
  };
}
