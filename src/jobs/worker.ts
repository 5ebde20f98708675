/**
 * The `scribe.generate` handler: loads the generation, runs the pipeline from the first step
 * without a saved output, checkpoints every step to Postgres as it finishes, reports progress
 * through the `ThreadReporter` port, and posts the result exactly once.
 *
 * Exactly once: the result's message ids are saved before the status becomes `succeeded`, and
 * `result_posting_at` is set before posting, so a retry either edits the recorded messages or asks
 * the adapter to look for its own earlier post.
 *
 * The handler never throws: it answers each job `completed`, `failed` (pg-boss retries it, or on
 * the last try dead-letters it) or `deadletter`. A dead job always ends with a failed row and a
 * message in the thread: where the row cannot be written (the database failing under us), the
 * job's output says what to record, and the sweeper (`sweeper.ts`, at start and every few
 * minutes) records it.
 */
import type { PgBoss, JobResult, JobWithMetadata } from 'pg-boss';
import { z } from 'zod';
import type pg from 'pg';
import { ErrorCode, RetryableError, asScribeError, isRetryable, type ScribeError } from '../errors.ts';
import type { Logger } from '../log.ts';
import * as generations from '../db/generations.ts';
import { batchPlaceOf } from '../db/batches.ts';
import { runPipeline, type PipelineDeps } from '../pipeline/runner.ts';
import type { PipelineData, StepName, StepRecord } from '../pipeline/types.ts';
import type { CancelBus } from './cancel-bus.ts';
import { jobSignal, throwIfCancelled, wasCancelled } from './cancel.ts';
import { chatFailureText, chatSafeView, createChatScrubber } from './chat-text.ts';
import { applyProgressEvent, initialProgress } from './progress.ts';
import { startQueueBoard } from './queue-board.ts';
import { QUEUES, WORKER_POLLING, type GenerateJob } from './queue.ts';
import { addressOf, describeFailure, type FailureReport, type ProgressView, type ThreadReporter } from './reporter.ts';
import { resultViewOf } from './result-view.ts';
import { postReview } from './review.ts';
import { SWEEP_DEFAULTS, startSweeper, type GenerateJobOutput } from './sweeper.ts';
import { getTracer } from '../telemetry/tracer.ts';
import { NO_OBSERVABILITY, pauseAfterSpendLimit, recordTry, type Observability } from './usage.ts';

const JobSchema = z.object({ generationId: z.uuid(), traceparent: z.string().max(100).optional() });

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
}

export interface AttemptInfo {
  /** 0 for the first try. */
  retryCount: number;
  retryLimit: number;
  retryDelaySeconds: number;
  retryDelayMaxSeconds: number | undefined;
}

export type Outcome = 'succeeded' | 'failed' | 'retry' | 'skipped' | 'cancelled' | 'review';

export interface ProcessResult {
  outcome: Outcome;
  error?: ScribeError | undefined;
  /** For `failed`: what the thread was told. */
  failure?: FailureReport | undefined;
  /** For `failed`: the thread was told (so the sweeper need not tell it again). */
  reported?: boolean | undefined;
}

/** Runs one generation to its end (or to a retryable failure). */
export async function processGeneration(
  deps: WorkerDeps,
  generationId: string,
  attempt: AttemptInfo,
  signal?: AbortSignal,
): Promise<ProcessResult> {
  const logger = deps.logger.child({ generationId });
  const row = await database(() => generations.getGeneration(deps.pool, generationId));
  if (!row) {
    logger.warn('job for a generation that does not exist; dropping it');
    return { outcome: 'skipped' };
  }
  if (row.status !== 'queued' && row.status !== 'running') {
    logger.info({ status: row.status }, 'generation already settled; nothing to do');
    return { outcome: 'skipped' };
  }
  const running = await database(() => generations.markRunning(deps.pool, generationId));
  if (!running) {
    // Cancelled between the load and now.
    logger.info('generation settled before it could start; nothing to do');
    return { outcome: 'skipped' };
  }
  const address = addressOf(running);
  // Records that did not parse were left out by the row mapping: those steps run again.
  for (const { step, problem } of running.invalidSteps) {
    logger.warn({ step, problem }, 'a saved step record does not parse; that step will be redone');
  }
  const saved = running.steps;
  const observability = deps.observability ?? NO_OBSERVABILITY;
  const usage = recordTry(deps.pool, running, observability);
  let view: ProgressView = { ...initialProgress(running.recipientName, running.version, saved), status: 'running' };
  // Progress reports go out one after another, each with the view as it was when asked for, so a
  // slow early edit can never land after a later one.
  let reporting: Promise<void> = Promise.resolve();
  // Everything the thread is shown that may come from an error goes through this.
  const clean = createChatScrubber(deps.secrets ?? []);
  const report = (): Promise<void> => {
    const snapshot = chatSafeView(view, clean);
    reporting = reporting
      .then(() => deps.reporter.progress(address, snapshot))
      .catch((err: unknown) => logger.warn({ err }, 'progress report failed'));
    return reporting;
  };
  await report();

  /** The generation was cancelled: say so on the progress message, post nothing, never retry. */
  const stopCancelled = async (): Promise<ProcessResult> => {
    view = { ...view, status: 'cancelled', retry: undefined };
    await report();
    await deps.reporter.flush?.(address);
    logger.info({ event: 'generation.cancelled' }, 'generation cancelled; its work stopped');
    return { outcome: 'cancelled' };
  };

  const data: PipelineData = {
    input: {
      template: running.template,
      recipientName: running.recipientName,
      recipientInterest: running.recipientInterest,
      instruction: running.instruction ?? undefined,
    },
    steps: { ...saved },
  };

  try {
    const finished = await runPipeline(
      data,
      { ...deps.pipeline, logger },
      {
        logger,
        signal,
        observer: usage.observer,
        // Research is shared within the requester's workspace or guild only (their template steers it).
        cacheScope: { platform: running.platform, teamId: running.teamId, userId: running.userId },
        freshResearch: running.freshResearch,
        // The research review: stop after step 3 (only where the thread can show the research).
        stopBeforeCompose: running.reviewResearch && deps.reporter.review !== undefined,
        onProgress: (event) => {
          view = applyProgressEvent(view, event);
          void report();
        },
        onStepDone: async (step: StepName, record: StepRecord) => {
          await database(() => generations.saveStep(deps.pool, generationId, step, record));
          await database(() => usage.save());
          logger.info(
            { event: 'step.saved', step, durationMs: record.durationMs, warnings: record.warnings.length },
            'step saved',
          );
          await throwIfCancelled(deps.pool, generationId);
        },
      },
    );
    await database(() => usage.save());
    if (!finished.steps.compose) {
      // Only while running: a cancel that came first wins.
      if (!(await database(() => generations.markAwaitingReview(deps.pool, generationId))))
        return await stopCancelled();
      await postReview(deps.reporter, address, running, finished, logger);
      view = { ...view, status: 'review', retry: undefined };
      await report();
      await deps.reporter.flush?.(address);
      logger.info('research ready for review; the email waits for the person');
      return { outcome: 'review' };
    }
    const seconds = (Date.now() - (running.startedAt ?? running.createdAt).getTime()) / 1000;
    const result = {
      ...resultViewOf(running.recipientName, running.version, finished),
      cost: { usd: usage.costUsd(), seconds },
      // A batch row is labelled with its place in the batch ("3 of 12").
      ...(running.batchId ? { batch: await database(() => batchPlaceOf(deps.pool, generationId)) } : {}),
    };
    // Recorded before posting: if we die between the post and saving its ids, the retry looks for it.
    if (!(await database(() => generations.markPosting(deps.pool, generationId)))) {
      // Cancelled after the last step: nothing is posted.
      return await stopCancelled();
    }
    const posted = await deps.reporter.result(address, result, {
      existingMessageIds: running.resultMessageIds,
      maybePosted: running.resultPostingAt !== null && running.resultMessageIds.length === 0,
      postingSince: running.resultPostingAt,
    });
    await database(() => generations.saveResultMessages(deps.pool, generationId, posted.messageIds));
    await database(() =>
      generations.markSucceeded(deps.pool, generationId, {
        email: result.email,
        sources: { web: result.sources, papers: result.papers },
      }),
    );
    view = { ...view, status: 'succeeded', retry: undefined };
    await report();
    await deps.reporter.flush?.(address);
    logger.info(
      { event: 'generation.succeeded', messages: posted.messageIds.length, draft: result.draft },
      'generation succeeded',
    );
    return { outcome: 'succeeded' };
  } catch (err) {
    if (await wasCancelled(deps.pool, generationId, err, signal)) return await stopCancelled();
    const error = asScribeError(err);
    // Calls billed before the failure are kept, for the next try's total and today's spend.
    await usage.save().catch((e: unknown) => logger.warn({ err: e }, 'could not save the usage'));
    const triesLeft = attempt.retryCount < attempt.retryLimit;
    if (isRetryable(error) && triesLeft) {
      const inSeconds = nextRetryDelaySeconds(attempt);
      view = {
        ...view,
        status: 'retrying',
        retry: { attempt: attempt.retryCount + 2, of: attempt.retryLimit + 1, inSeconds, reason: error.message },
      };
      await report();
      logger.warn(
        { event: 'retry.scheduled', err: error, retryCount: attempt.retryCount, inSeconds },
        'generation will be retried',
      );
      return { outcome: 'retry', error };
    }
    await pauseAfterSpendLimit(deps.pool, running, error, observability, logger);
    // The text is scrubbed for chat (secrets, internal addresses; generic words for errors not ours).
    const failure = failureReportOf(chatFailureText(error, generationId, clean), error, attempt.retryCount + 1);
    const message = describeFailure(failure);
    // The row first, but the thread is told even when the database fails us here: the person
    // hears at once, and the sweeper marks the row from the job's output later.
    try {
      await database(() => generations.markFailed(deps.pool, generationId, message, failure.retryable));
    } catch (dbError) {
      logger.error({ err: dbError }, 'could not mark the generation failed; the sweeper will');
    }
    view = { ...view, status: 'failed', retry: undefined, error: message, canRetry: failure.retryable };
    await report();
    let reported = true;
    await deps.reporter.failed(address, failure).catch((e: unknown) => {
      reported = false;
      logger.error({ err: e }, 'could not report the failure');
    });
    logger.error({ err: error }, 'generation failed');
    return { outcome: 'failed', error, failure, reported };
  }
}

/**
 * What the person is told when a generation fails for good: the one place a failure message for
 * the thread is built (the worker's failure path, and a job whose handler could not finish, which
 * the sweeper reports). Reporters add what to do next on their platform.
 */
export function failureReportOf(message: string, error: ScribeError, tries: number): FailureReport {
  return { message, retryable: isRetryable(error), tries };
}

/**
 * Runs a database write; a failure (the database restarting, a dropped connection) becomes a
 * RetryableError, so the job is tried again from the last saved step instead of failing for good.
 */
async function database<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    throw new RetryableError(ErrorCode.ServiceUnavailable, `The database is unavailable (${(err as Error).message})`, {
      service: 'PostgreSQL',
      cause: err,
    });
  }
}

/** The delay pg-boss will wait before the next try (its backoff without the jitter). */
export function nextRetryDelaySeconds(a: AttemptInfo): number {
  const delay = a.retryDelaySeconds * 2 ** a.retryCount;
  return Math.round(a.retryDelayMaxSeconds ? Math.min(delay, a.retryDelayMaxSeconds) : delay);
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
export async function startWorker(deps: WorkerDeps, options: StartWorkerOptions) {
  const abort = new AbortController();
  const sweeper = await startSweeper(
    { pool: deps.pool, reporter: deps.reporter, logger: deps.logger },
    { intervalMs: options.sweep?.intervalMs ?? SWEEP_DEFAULTS.intervalMs, graceMs: options.sweep?.graceMs },
  );
  const board = startQueueBoard(deps, { intervalMs: options.queueBoardIntervalMs });
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
