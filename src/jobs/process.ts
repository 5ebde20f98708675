/**
 * One try of one generation, as the worker runs it: load the row, hold it when the workspace's
 * spend allows no more, run the pipeline from the first step without a saved output (each step
 * checkpointed to Postgres as it finishes, progress reported through the `ThreadReporter` port),
 * then post the result exactly once, pause for the research review or for "Which …?", or settle
 * a failure.
 *
 * Exactly once: the result's message ids are saved before the status becomes `succeeded`, and
 * `result_posting_at` is set before posting, so a retry either edits the recorded messages or asks
 * the adapter to look for its own earlier post.
 *
 * Every exit of a try that ran (done, review, cancelled, retry, failed) saves its usage in one
 * place, so a billed call is never left out of the generation's cost or today's spend.
 */
import * as generations from '../db/generations.ts';
import { batchPlaceOf } from '../db/batches.ts';
import { getSenderProfile } from '../db/sender-profiles.ts';
import { ErrorCode, RetryableError, asScribeError, isRetryable, type ScribeError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { runPipeline } from '../pipeline/runner.ts';
import type { PipelineData, StepName, StepRecord } from '../pipeline/types.ts';
import { throwIfCancelled, wasCancelled } from './cancel-signal.ts';
import { chatFailureText, chatSafeView, createChatScrubber } from '../thread/chat-text.ts';
import { applyProgressEvent, initialProgress } from '../thread/progress.ts';
import {
  addressOf,
  describeFailure,
  type FailureReport,
  type ProgressView,
  type ThreadAddress,
} from '../thread/reporter.ts';
import { resultViewOf } from '../thread/result-view.ts';
import { postReview } from '../thread/review.ts';
import { identityQuestionOf, postIdentityQuestion } from '../thread/identity.ts';
import {
  heldForSpendText,
  NO_OBSERVABILITY,
  pauseAfterSpendLimit,
  recordTry,
  spendHold,
  type BudgetRefusal,
  type TryRecorder,
} from './usage.ts';
import type { WorkerDeps } from './worker.ts';

export interface AttemptInfo {
  /** 0 for the first try. */
  retryCount: number;
  retryLimit: number;
  retryDelaySeconds: number;
  retryDelayMaxSeconds: number | undefined;
}

export type Outcome = 'succeeded' | 'failed' | 'retry' | 'skipped' | 'cancelled' | 'review' | 'identity';

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
  if (!generations.UNSETTLED.includes(row.status)) {
    logger.info({ status: row.status }, 'generation already settled; nothing to do');
    return { outcome: 'skipped' };
  }
  const hold = await database(() => spendHold(deps.pool, row, deps.dailyBudgetUsd));
  if (hold) return holdForSpend(deps, openRun(deps, row, logger), hold);
  const running = await database(() => generations.markRunning(deps.pool, generationId));
  if (!running) {
    // Cancelled between the load and now.
    logger.info('generation settled before it could start; nothing to do');
    return { outcome: 'skipped' };
  }
  // Records that did not parse were left out by the row mapping: those steps run again.
  for (const { step, problem } of running.invalidSteps) {
    logger.warn({ step, problem }, 'a saved step record does not parse; that step will be redone');
  }
  const run = openRun(deps, running, logger);
  await run.report();
  try {
    return await runToEnd(deps, run, signal);
  } catch (err) {
    return await settleError(deps, run, err, attempt, signal);
  } finally {
    // Every exit: the calls billed in this try count, for the next try's total and today's spend.
    await run.usage.save().catch((err: unknown) => logger.warn({ err }, 'could not save the usage'));
  }
}

/** One try in progress: its row, where it is shown, its progress view and its meter. */
interface Run {
  row: generations.Generation;
  address: ThreadAddress;
  logger: Logger;
  usage: TryRecorder;
  /** Everything the thread is shown that may come from an error goes through this. */
  clean: (text: string) => string;
  view: ProgressView;
  /** Reports the view as it is now; reports go out one after another, in order. */
  report(): Promise<void>;
  /** Sets the view, reports it and waits for the reporter to deliver it. */
  show(view: ProgressView): Promise<void>;
  /** Shows the email as far as it is written, after the reports before it; only the latest text waiting is sent. */
  streamEmail(text: string): void;
}

function openRun(deps: WorkerDeps, row: generations.Generation, logger: Logger): Run {
  const address = addressOf(row);
  const clean = createChatScrubber(deps.secrets ?? []);
  // Each report carries the view as it was when asked for, so a slow early edit never lands after a later one.
  let reporting: Promise<void> = Promise.resolve();
  let emailWanted = '';
  let emailQueued = false;
  const run: Run = {
    row,
    address,
    logger,
    usage: recordTry(deps.pool, row, deps.observability ?? NO_OBSERVABILITY),
    clean,
    view: { ...initialProgress(row.recipientName, row.version, row.steps), status: 'running' },
    report() {
      const snapshot = chatSafeView(run.view, clean);
      reporting = reporting
        .then(() => deps.reporter.progress(address, snapshot))
        .catch((err: unknown) => logger.warn({ err }, 'progress report failed'));
      return reporting;
    },
    async show(view) {
      run.view = view;
      await run.report();
      await deps.reporter.flush?.(address);
    },
    streamEmail(text) {
      const { emailText } = deps.reporter;
      if (!emailText) return;
      emailWanted = text;
      if (emailQueued) return;
      emailQueued = true;
      reporting = reporting
        .then(() => {
          emailQueued = false;
          // As the result will show it (the email is not scrubbed there either).
          return emailText.call(deps.reporter, address, emailWanted);
        })
        .catch((err: unknown) => logger.warn({ err }, 'streaming the email failed'));
    },
  };
  return run;
}

/** The pipeline, then the review pause or the result. Throws what stopped it. */
async function runToEnd(deps: WorkerDeps, run: Run, signal: AbortSignal | undefined): Promise<ProcessResult> {
  const { row } = run;
  const batchParse = (await deps.batchParses?.claim(row)) ?? { shared: undefined, done: () => undefined };
  try {
    if (batchParse.shared) await useBatchParse(deps, run, batchParse.shared);
    return await runRow(deps, run, signal, batchParse.done);
  } finally {
    batchParse.done(undefined);
  }
}

/** Another row of the batch read the template: this row takes that reading as its own step 1. */
async function useBatchParse(deps: WorkerDeps, run: Run, shared: StepRecord<'parse'>): Promise<void> {
  // This row spent nothing on it; the cost stays with the row that parsed.
  const record: StepRecord<'parse'> = { ...shared, durationMs: 0, finishedAt: new Date().toISOString() };
  await database(() => generations.saveStep(deps.pool, run.row.id, 'parse', record));
  run.row = { ...run.row, steps: { ...run.row.steps, parse: record } };
  run.view = applyProgressEvent(run.view, {
    step: 'parse',
    kind: 'finished',
    durationMs: 0,
    warnings: record.warnings,
  });
  void run.report();
  run.logger.info({ event: 'step.shared', step: 'parse' }, "the batch's reading of the template reused");
}

async function runRow(
  deps: WorkerDeps,
  run: Run,
  signal: AbortSignal | undefined,
  parsed: (record: StepRecord<'parse'>) => void,
): Promise<ProcessResult> {
  const { row, logger } = run;
  const data: PipelineData = {
    input: {
      template: row.template,
      recipientName: row.recipientName,
      recipientInterest: row.recipientInterest,
      instruction: row.instruction ?? undefined,
      // Read as the email is written, so a profile saved since the request (or a regeneration's) counts.
      sender: row.steps.compose ? undefined : await database(() => getSenderProfile(deps.pool, row.userId)),
      identityHint: row.identityHint ?? undefined,
    },
    steps: { ...row.steps },
  };
  const finished = await runPipeline(
    data,
    { ...deps.pipeline, logger },
    {
      logger,
      signal,
      observer: run.usage.observer,
      // Research is shared within the requester's workspace or guild only (their template steers it).
      cacheScope: { platform: row.platform, teamId: row.teamId, userId: row.userId },
      freshResearch: row.freshResearch,
      // The research review: stop after step 3 (only where the thread can show the research).
      stopBeforeCompose: row.reviewResearch && deps.reporter.review !== undefined,
      // "Which Jun Li?": stop and ask when it is close (only where the thread can ask).
      askIdentity: deps.reporter.askIdentity !== undefined,
      onProgress: (event) => {
        run.view = applyProgressEvent(run.view, event);
        void run.report();
      },
      onEmailText: (text) => run.streamEmail(text),
      onStepDone: async (step: StepName, record: StepRecord) => {
        await database(() => generations.saveStep(deps.pool, row.id, step, record));
        if (step === 'parse') parsed(record as StepRecord<'parse'>);
        await database(() => run.usage.save());
        logger.info(
          { event: 'step.saved', step, durationMs: record.durationMs, warnings: record.warnings.length },
          'step saved',
        );
        await throwIfCancelled(deps.pool, row.id);
      },
    },
  );
  // Saved before anything is shown: a cancel pressed at the review counts what the research cost.
  await database(() => run.usage.save());
  if (finished.awaiting === 'identity') return pauseForIdentity(deps, run, finished);
  return finished.steps.compose ? postResult(deps, run, finished) : pauseForReview(deps, run, finished);
}

/**
 * The identity is too close to call: ask "Which …?" in the thread and finish the job. The saved
 * steps stay; the answer (`commitChoice`) queues the row again and the run resumes from them.
 */
async function pauseForIdentity(deps: WorkerDeps, run: Run, finished: PipelineData): Promise<ProcessResult> {
  const { row } = run;
  const batch = row.batchId ? await database(() => batchPlaceOf(deps.pool, row.id)) : undefined;
  const question = identityQuestionOf(row, finished.steps, batch);
  // Only while running: a cancel that came first wins.
  if (!question || !(await database(() => generations.markAwaitingIdentity(deps.pool, row.id)))) {
    return stopSettled(deps, run);
  }
  await postIdentityQuestion(deps.reporter, run.address, question, run.logger);
  // The steps as saved: research and arXiv wait for the answer, neither running nor failed.
  await run.show({ ...initialProgress(row.recipientName, row.version, finished.steps), status: 'identity' });
  run.logger.info(
    { event: 'identity.asked', candidates: question.options.length },
    'asked which person the recipient is; the email waits for the answer',
  );
  return { outcome: 'identity' };
}

/** Steps 1–3 are done and the person asked to review the research: post it and finish the job. */
async function pauseForReview(deps: WorkerDeps, run: Run, finished: PipelineData): Promise<ProcessResult> {
  // Only while running: a cancel that came first wins.
  if (!(await database(() => generations.markAwaitingReview(deps.pool, run.row.id)))) return stopSettled(deps, run);
  await postReview(deps.reporter, run.address, run.row, finished, run.logger);
  await run.show({ ...run.view, status: 'review', retry: undefined });
  run.logger.info('research ready for review; the email waits for the person');
  return { outcome: 'review' };
}

/** Posts the email exactly once and marks the row succeeded. */
async function postResult(deps: WorkerDeps, run: Run, finished: PipelineData): Promise<ProcessResult> {
  const { row } = run;
  const seconds = (Date.now() - (row.startedAt ?? row.createdAt).getTime()) / 1000;
  const result = {
    ...resultViewOf(row.recipientName, row.version, finished),
    cost: { usd: run.usage.costUsd(), seconds },
    // A batch row is labelled with its place in the batch ("3 of 12").
    ...(row.batchId ? { batch: await database(() => batchPlaceOf(deps.pool, row.id)) } : {}),
  };
  // Recorded before posting: if we die between the post and saving its ids, the retry looks for it.
  // Cancelled after the last step, or settled by another worker: nothing is posted.
  if (!(await database(() => generations.markPosting(deps.pool, row.id)))) return stopSettled(deps, run);
  const posted = await deps.reporter.result(run.address, result, {
    existingMessageIds: row.resultMessageIds,
    maybePosted: row.resultPostingAt !== null && row.resultMessageIds.length === 0,
    postingSince: row.resultPostingAt,
  });
  await database(() => generations.saveResultMessages(deps.pool, row.id, posted.messageIds));
  await database(() =>
    generations.markSucceeded(deps.pool, row.id, {
      email: result.email,
      sources: { web: result.sources, papers: result.papers },
    }),
  );
  await run.show({ ...run.view, status: 'succeeded', retry: undefined });
  run.logger.info(
    { event: 'generation.succeeded', messages: posted.messageIds.length, draft: result.draft },
    'generation succeeded',
  );
  return { outcome: 'succeeded' };
}

/**
 * The row is no longer `running`: cancelled (say so), or settled by the worker that took the job over
 * while this one was stalled (a SIGSTOP, a long pause): then this run says nothing and posts nothing.
 */
async function stopSettled(deps: WorkerDeps, run: Run): Promise<ProcessResult> {
  const status = await database(() => generations.statusOf(deps.pool, run.row.id));
  if (status === 'cancelled') return stopCancelled(run);
  run.logger.info({ event: 'generation.superseded', status }, 'another worker settled this generation; this run stops');
  return { outcome: 'skipped' };
}

/** The generation was cancelled: say so on the progress message, post nothing, never retry. */
async function stopCancelled(run: Run): Promise<ProcessResult> {
  await run.show({ ...run.view, status: 'cancelled', retry: undefined });
  run.logger.info({ event: 'generation.cancelled' }, 'generation cancelled; its work stopped');
  return { outcome: 'cancelled' };
}

/** What stopped the run: a cancel, a passing failure with tries left (retry), or a failure for good. */
async function settleError(
  deps: WorkerDeps,
  run: Run,
  err: unknown,
  attempt: AttemptInfo,
  signal: AbortSignal | undefined,
): Promise<ProcessResult> {
  if (await wasCancelled(deps.pool, run.row.id, err, signal)) return stopCancelled(run);
  const error = asScribeError(err);
  if (isRetryable(error) && attempt.retryCount < attempt.retryLimit) {
    const inSeconds = nextRetryDelaySeconds(attempt);
    const retry = { attempt: attempt.retryCount + 2, of: attempt.retryLimit + 1, inSeconds, reason: error.message };
    run.view = { ...run.view, status: 'retrying', retry };
    await run.report();
    run.logger.warn(
      { event: 'retry.scheduled', err: error, retryCount: attempt.retryCount, inSeconds },
      'generation will be retried',
    );
    return { outcome: 'retry', error };
  }
  await pauseAfterSpendLimit(deps.pool, run.row, error, deps.observability ?? NO_OBSERVABILITY, run.logger);
  // The text is scrubbed for chat (secrets, internal addresses; generic words for errors not ours).
  const failure = failureReportOf(chatFailureText(error, run.row.id, run.clean), error, attempt.retryCount + 1);
  run.logger.error({ err: error }, 'generation failed');
  return settleFailure(deps, run, error, failure);
}

/**
 * Fails the row for good and tells the thread. The row first, but the thread is told even when the
 * database fails us here: the person hears at once, and the sweeper marks the row from the job's
 * output later.
 */
async function settleFailure(
  deps: WorkerDeps,
  run: Run,
  error: ScribeError,
  failure: FailureReport,
): Promise<ProcessResult> {
  const message = describeFailure(failure);
  try {
    await database(() => generations.markFailed(deps.pool, run.row.id, message, failure.retryable));
  } catch (dbError) {
    run.logger.error({ err: dbError }, 'could not mark the generation failed; the sweeper will');
  }
  run.view = { ...run.view, status: 'failed', retry: undefined, error: message, canRetry: failure.retryable };
  await run.report();
  let reported = true;
  await deps.reporter.failed(run.address, failure).catch((e: unknown) => {
    reported = false;
    run.logger.error({ err: e }, 'could not report the failure');
  });
  return { outcome: 'failed', error, failure, reported };
}

/**
 * A row held for the budget or a pause fails where the person sees it, with the request layer's
 * words for the refusal (what, and from when it can go on) and a Retry for then; nothing was spent.
 */
async function holdForSpend(deps: WorkerDeps, run: Run, refusal: BudgetRefusal): Promise<ProcessResult> {
  const message = heldForSpendText(refusal);
  const error = new RetryableError(ErrorCode.QuotaExceeded, message);
  run.logger.warn({ budgetUsd: refusal.budgetUsd, pausedUntil: refusal.pausedUntil }, 'generation held for spend');
  // No tries counted: the row never ran.
  return settleFailure(deps, run, error, { message, retryable: true, tries: 0 });
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
