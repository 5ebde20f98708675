/**
 * The `scribe.generate` handler: takes jobs from pg-boss and runs each generation's try
 * (`processGeneration`, process.ts: the pipeline, checkpoints, progress, the result exactly once).
 *
 * The handler never throws: it answers each job `completed`, `failed` (pg-boss retries it, or on
 * the last try dead-letters it) or `deadletter`. A dead job always ends with a failed row and a
 * message in the thread: where the row cannot be written (the database failing under us), the
 * job's output says what to record, and the sweeper (`sweeper.ts`, at start and every few
 * minutes) records it.
 */
import type { PgBoss, JobResult, JobWithMetadata } from 'pg-boss';
import type pg from 'pg';
import { z } from 'zod';
import { asScribeError } from '../errors.ts';
import type { Logger } from '../log.ts';
import type { PipelineDeps } from '../pipeline/runner.ts';
import { getTracer } from '../telemetry/tracer.ts';
import type { CancelBus } from './cancel-bus.ts';
import { jobSignal } from './cancel-signal.ts';
import { chatFailureText, createChatScrubber } from '../thread/chat-text.ts';
import { failureReportOf, processGeneration } from './process.ts';
import { startQueueBoard } from './queue-board.ts';
import { QUEUES, WORKER_POLLING, type GenerateJob } from './queue.ts';
import { SWEEP_DEFAULTS, startSweeper, type GenerateJobOutput } from './sweeper.ts';
import type { Observability } from './usage.ts';
import { createBatchParses, type BatchParses } from './batch-parse.ts';
import { batchParseOf } from '../db/batches.ts';
import type { ThreadReporter } from '../thread/reporter.ts';

const JobSchema = z.object({ generationId: z.uuid(), traceparent: z.string().max(100).optional() });

export { processGeneration, failureReportOf, type AttemptInfo, type Outcome, type ProcessResult } from './process.ts';

export interface WorkerDeps {
  pool: pg.Pool;
  reporter: ThreadReporter;
  /** Pipeline dependencies except the logger, which the worker scopes per generation. */
  pipeline: Omit<PipelineDeps, 'logger'>;
  logger: Logger;
  /** Configured secret values, scrubbed from every text sent to the thread (as from the logs). */
  secrets?: readonly string[] | undefined;
  /** Cancels reach a running job at once through it (cancel-bus.ts); without it, between steps only. */
  cancelBus?: CancelBus | undefined;
  /** Prices, tracer and metrics (src/jobs/usage.ts); default: priced at the default table, nothing traced or counted. */
  observability?: Observability | undefined;
  /** SCRIBE_DAILY_BUDGET_USD per workspace: a row does not start past it. Undefined: no budget. */
  dailyBudgetUsd?: number | undefined;
  /** Parse once per batch (batch-parse.ts); `startWorker` makes one per worker when none is given. */
  batchParses?: BatchParses | undefined;
}

export interface StartWorkerOptions {
  boss: PgBoss;
  concurrency: number;
  /** Polling overrides (tests poll faster than WORKER_POLLING). */
  polling?: { pollingIntervalSeconds?: number; notifyPollingIntervalSeconds?: number };
  /** The sweeper for lost generations (see `sweeper.ts`); tests sweep sooner. */
  sweep?: { intervalMs?: number; graceMs?: number };
  /** How often waiting generations' queue positions are refreshed (queue-board.ts). */
  queueBoardIntervalMs?: number;
}

/**
 * Sweeps for lost generations (rows whose job ended without settling them: dead-lettered while no
 * worker was up, or the database failing at the end), then subscribes the handler to
 * `scribe.generate` and keeps sweeping every few minutes. Returns a stop function that stops
 * fetching, waits for running jobs up to `timeoutMs`, then aborts them (their saved steps let the
 * next worker resume).
 */
export async function startWorker(given: WorkerDeps, options: StartWorkerOptions) {
  const deps: WorkerDeps = {
    ...given,
    batchParses: given.batchParses ?? createBatchParses((id) => batchParseOf(given.pool, id)),
  };
  const abort = new AbortController();
  const sweeper = await startSweeper(
    { pool: deps.pool, reporter: deps.reporter, logger: deps.logger },
    { intervalMs: options.sweep?.intervalMs ?? SWEEP_DEFAULTS.intervalMs, graceMs: options.sweep?.graceMs },
  );
  const board = startQueueBoard(
    { ...deps, yieldTo: deps.pipeline.yieldTo },
    { intervalMs: options.queueBoardIntervalMs },
  );
  const workOptions = {
    ...WORKER_POLLING,
    ...options.polling,
    batchSize: 1,
    localConcurrency: options.concurrency,
    includeMetadata: true,
    // Per-job results let a permanent failure go straight to the dead-letter queue, skipping retries.
    perJobResults: true,
  } as const;
  const workerId = await options.boss.work<GenerateJob, unknown, typeof workOptions>(
    QUEUES.generate,
    workOptions,
    async (jobs: JobWithMetadata<GenerateJob>[]): Promise<JobResult[]> => {
      const results: JobResult[] = [];
      // The queue moves when a job starts and when it ends: the waiting ones hear where they stand.
      board.poke();
      for (const job of jobs) results.push(await handleJob(deps, job, abort.signal));
      board.poke();
      return results;
    },
  );
  deps.logger.info({ concurrency: options.concurrency }, 'worker started');
  return {
    workerId,
    /** Runs a sweep for lost generations now. */
    sweep: () => sweeper.sweep(),
    async stop(timeoutMs = 30_000) {
      await sweeper.stop();
      await board.stop();
      const drained = options.boss.offWork(QUEUES.generate, { id: workerId, wait: true });
      const timer = setTimeout(() => abort.abort(new Error('worker shutting down')), timeoutMs);
      try {
        await drained;
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

async function handleJob(
  deps: WorkerDeps,
  job: JobWithMetadata<GenerateJob>,
  shutdown: AbortSignal,
): Promise<JobResult> {
  const parsed = JobSchema.safeParse(job.data);
  if (!parsed.success) {
    deps.logger.error({ jobId: job.id, data: job.data }, 'malformed generate job; dead-lettering it');
    return { id: job.id, status: 'deadletter', output: { error: 'malformed job payload' } };
  }
  const { signal, release } = jobSignal([shutdown, job.signal], deps.cancelBus, parsed.data.generationId);
  try {
    const attempt = {
      retryCount: job.retryCount,
      retryLimit: job.retryLimit,
      retryDelaySeconds: job.retryDelay,
      retryDelayMaxSeconds: job.retryDelayMax,
    };
    const { generationId, traceparent } = parsed.data;
    // The request's trace goes on here: one trace per generation, every try a span in it.
    const result = await getTracer().span(
      'generation',
      { 'scribe.generation_id': generationId, 'scribe.retry_count': job.retryCount },
      async (span) => {
        const r = await processGeneration(deps, generationId, attempt, signal);
        span.setAttributes({ 'scribe.outcome': r.outcome });
        return r;
      },
      { parent: traceparent },
    );
    deps.observability?.metrics.generation(result.outcome);
    const { outcome, error } = result;
    const output: GenerateJobOutput = error ? { error: error.message, code: error.code } : { outcome };
    if (outcome === 'retry') return { id: job.id, status: 'failed', output };
    // A permanent failure, or the last try: straight to the dead-letter queue, no more retries. When
    // the row could not be marked, the sweeper reads what to record (and whether to tell) from here.
    if (outcome === 'failed') {
      return {
        id: job.id,
        status: 'deadletter',
        output: { ...output, failure: result.failure, reported: result.reported },
      };
    }
    return { id: job.id, status: 'completed', output };
  } catch (err) {
    // The database failed us before the run began (loading or marking the row): pg-boss tries again
    // later. On the last try it dead-letters the job, and the sweeper settles the row with this
    // failure and tells the thread.
    const error = asScribeError(err);
    deps.logger.error({ err, generationId: parsed.data.generationId }, 'worker error; the job will be retried');
    const output: GenerateJobOutput = {
      error: error.message,
      code: error.code,
      failure: failureReportOf(
        chatFailureText(error, parsed.data.generationId, createChatScrubber(deps.secrets ?? [])),
        error,
        job.retryCount + 1,
      ),
      reported: false,
    };
    return { id: job.id, status: 'failed', output };
  } finally {
    release();
  }
}
