/**
 * Batches: many recipients, one template, one request. A batch is N ordinary generation rows
 * (regenerate, history and exactly-once posting apply to each), created with their N jobs and the
 * batch row in one transaction under the person's quota lock, refused whole when larger than what
 * is left today.
 *
 * Fairness: a batch row's job has a priority below pg-boss's default 0, lower the later the row
 * (-1, -2, …), so a single request (priority 0) is the next job any worker takes, and two
 * batches' rows interleave instead of the second waiting behind all of the first.
 *
 * The parent message (the table) is edited by whichever worker saw a row change, reading the
 * rows from Postgres at the moment it edits, at most once per `intervalMs` per batch per process
 * (`withBatchUpdates`): the last state is always delivered, and a 50-row batch stays far below
 * Slack's ~50 chat.update a minute.
 */
import type { PgBoss } from 'pg-boss';
import { BatchQuotaError, InvalidRequestError } from '../../errors.ts';
import { withTransaction, type Db } from '../../db/pool.ts';
import type pg from 'pg';
import {
  attachToBatch,
  batchIdOf,
  batchRows,
  cancelBatchRows,
  getBatch,
  insertBatch,
  type Batch,
} from '../../db/batches.ts';
import { insertGeneration, type Generation } from '../../db/generations.ts';
import { lockQuota, upsertUser, type User, type UserIdentity } from '../../db/users.ts';
import { saveTemplate } from '../../db/templates.ts';
import type { Logger } from '../../log.ts';
import { checkBatchStart, type BatchStartRefusal } from '../batch-checks.ts';
import { loadStartContext } from '../context.ts';
import { batchViewOf, type BatchView } from '../../thread/batch-view.ts';
import { sendJob } from '../../jobs/send.ts';
import { GenerationRequestSchema, budgetText } from './start.ts';
import { formatUsd } from '../../pipeline/prices.ts';
import { BOSS_SCHEMA, QUEUES } from '../../jobs/queue.ts';
import { parseRecipients, type Recipient, type RecipientProblem } from '../recipients.ts';
import type { ProgressView, ThreadReporter } from '../../thread/reporter.ts';

/** The priority of a batch row's job: below single requests (0), later rows lower still. */
export function batchPriority(position: number): number {
  return -(position + 1);
}

/** A batch as asked for: the template and the recipients' text (pasted lines or a CSV file). */
export interface BatchRequest {
  template: string;
  recipients: Recipient[];
}

export type ParsedBatch =
  | { ok: true; request: BatchRequest }
  | { ok: false; template: string | undefined; problems: RecipientProblem[] };

/** Validates a batch: the template as for one email, then every recipient line (all problems at once). */
export function parseBatchRequest(input: { template: unknown; recipients: string }, max: number): ParsedBatch {
  const template = GenerationRequestSchema.shape.template.safeParse(input.template);
  const parsed = parseRecipients(input.recipients, { max });
  const problems = parsed.ok ? [] : [...parsed.problems];
  if (!template.success)
    problems.unshift({ line: undefined, message: template.error.issues[0]?.message ?? 'The template is invalid' });
  if (problems.length || !template.success)
    return { ok: false, template: template.success ? template.data : undefined, problems };
  return { ok: true, request: { template: template.data, recipients: parsed.recipients } };
}

export interface BatchDeps {
  pool: pg.Pool;
  boss: PgBoss;
  dailyQuota: number;
  /** SCRIBE_DAILY_BUDGET_USD: past it, no batch starts. */
  dailyBudgetUsd?: number | undefined;
}

/** Where the batch lives in the chat, once its parent message is posted. */
export interface BatchAddress {
  channelId: string | null;
  threadId: string | null;
  parentMessageId: string | null;
}

export interface CommitBatchInput {
  /** The batch's id when the parent message already names it (its Cancel button). */
  batchId?: string | undefined;
  user: User;
  identity: UserIdentity;
  request: BatchRequest;
  address: BatchAddress;
}

/**
 * The authoritative half of a batch start, on `tx`: takes the quota lock, checks the whole batch
 * against what is left, then inserts the batch, its rows and their jobs (all or nothing).
 */
export async function commitBatch(
  deps: BatchDeps,
  tx: Db,
  input: CommitBatchInput,
): Promise<{ batch: Batch; generations: Generation[] } | BatchStartRefusal> {
  await lockQuota(tx, input.user.id);
  const refusal = checkBatchStart(
    await loadStartContext(tx, input.identity, deps.dailyQuota, input.user, deps.dailyBudgetUsd, true),
    input.request.recipients.length,
  );
  if (refusal) return refusal;
  const batch = await insertBatch(tx, {
    id: input.batchId,
    userId: input.user.id,
    platform: input.identity.platform,
    teamId: input.identity.teamId,
    ...input.address,
    size: input.request.recipients.length,
  });
  const rows: Generation[] = [];
  for (const [position, recipient] of input.request.recipients.entries()) {
    const generation = await insertGeneration(tx, {
      userId: input.user.id,
      platform: input.identity.platform,
      teamId: input.identity.teamId,
      channelId: input.address.channelId,
      threadId: input.address.threadId,
      // No progress message of its own: the batch's table is its progress.
      progressMessageId: null,
      template: input.request.template,
      recipientName: recipient.recipientName,
      recipientInterest: recipient.recipientInterest,
    });
    await attachToBatch(tx, generation.id, batch.id, position);
    rows.push({ ...generation, batchId: batch.id });
    await sendJob(deps.boss, tx, generation.id, batchPriority(position));
  }
  await saveTemplate(tx, input.user.id, input.request.template);
  await tx.query('UPDATE users SET generation_count = generation_count + $2 WHERE id = $1', [
    input.user.id,
    rows.length,
  ]);
  return { batch, generations: rows };
}

/** "This batch has 12 recipients, but you have 5 of your 20 emails left today…" */
export function batchQuotaText(r: BatchStartRefusal): string {
  if (r.kind === 'budget' && r.batch) {
    const { emails, emailUsd, leftUsd } = r.batch;
    return (
      `This batch of ${emails} emails would cost about ${formatUsd(emails * emailUsd)} (≈ ${formatUsd(emailUsd)} each, ` +
      `from recent emails), but ${formatUsd(leftUsd)} of this workspace's ${formatUsd(r.budgetUsd ?? 0)} daily budget ` +
      'is left once the emails already under way are paid for, so nothing was started. Send a smaller batch, or wait ' +
      'for the budget to reset at midnight UTC.'
    );
  }
  if (r.kind === 'budget') return budgetText(r.budgetUsd, r.pausedUntil);
  return (
    `This batch has ${r.asked} recipients, but you have ${r.left} of your ${r.quota} emails left today, ` +
    'so nothing was started. Send a smaller batch, or wait for the quota to reset at midnight UTC.'
  );
}

/**
 * Creates a batch for callers without a chat (tests, benchmarks): validates, then commits.
 * Throws `InvalidRequestError` (with every problem) or `BatchQuotaError`; nothing is written then.
 */
export async function createBatch(
  deps: BatchDeps & { batchMax: number },
  input: { user: UserIdentity; template: string; recipients: string; address?: BatchAddress },
): Promise<{ batch: Batch; generations: Generation[] }> {
  const parsed = parseBatchRequest(input, deps.batchMax);
  if (!parsed.ok) {
    throw new InvalidRequestError({
      recipientName: parsed.problems.map((p) => (p.line ? `Line ${p.line}: ${p.message}` : p.message)).join('; '),
    });
  }
  return withTransaction(deps.pool, async (tx) => {
    const user = await upsertUser(tx, input.user);
    const result = await commitBatch(deps, tx, {
      user,
      identity: input.user,
      request: parsed.request,
      address: input.address ?? { channelId: null, threadId: null, parentMessageId: null },
    });
    if ('kind' in result) throw new BatchQuotaError(result, batchQuotaText(result));
    return result;
  });
}

/**
 * Stops a batch's rows not yet started: each `queued` row becomes `cancelled` (a row a worker has
 * taken already finishes), then their pg-boss jobs are cancelled. The worker skips a cancelled row
 * if it fetched the job in between. Returns the rows cancelled.
 */
export async function cancelBatch(deps: BatchDeps, batchId: string): Promise<string[]> {
  const cancelled = await withTransaction(deps.pool, (tx) => cancelBatchRows(tx, batchId));
  if (cancelled.length) {
    const { rows } = await deps.pool.query<{ id: string }>(
      `SELECT id FROM ${BOSS_SCHEMA}.job WHERE name = $1 AND singleton_key = ANY($2::text[]) AND state IN ('created', 'retry')`,
      [QUEUES.generate, cancelled],
    );
    if (rows.length)
      await deps.boss.cancel(
        QUEUES.generate,
        rows.map((r) => r.id),
      );
  }
  return cancelled;
}

/** A batch's parent message address, from its row. */
export type BatchMessageAddress = Pick<
  Batch,
  'id' | 'platform' | 'teamId' | 'channelId' | 'threadId' | 'parentMessageId'
>;

/** How a platform edits a batch's parent message (implemented in src/bots/*\/batch-reporter.ts). */
export interface BatchReporter {
  batchProgress(address: BatchMessageAddress, view: BatchView): Promise<void>;
}

export type PlatformBatchReporters = Partial<Record<Batch['platform'], BatchReporter>>;

/** Loads a batch and renders its view now (the bots after Cancel batch; the worker's updater). */
export async function loadBatchView(db: Db, batchId: string): Promise<{ batch: Batch; view: BatchView } | undefined> {
  const batch = await getBatch(db, batchId);
  if (!batch) return undefined;
  return { batch, view: batchViewOf(batch, await batchRows(db, batchId)) };
}

export interface BatchUpdatesOptions {
  pool: pg.Pool;
  reporters: PlatformBatchReporters;
  logger: Logger;
  /** Least time between two edits of one parent message. Default 2 s (≤ 30 a minute per process). */
  intervalMs?: number;
}

interface BatchSlot {
  lastSentAt: number;
  timer: NodeJS.Timeout | undefined;
  inFlight: Promise<void>;
}

/**
 * Wraps the worker's reporter: when a generation of a batch changes state (the worker reports
 * each change as progress, after writing it to the row), its batch's parent message is edited —
 * coalesced per batch. `flush` delivers what is pending (shutdown, tests).
 */
export function withBatchUpdates(
  inner: ThreadReporter,
  options: BatchUpdatesOptions,
): ThreadReporter & { flushBatches(): Promise<void>; edits(): number } {
  const intervalMs = options.intervalMs ?? 2_000;
  const batchOf = new Map<string, string | null>();
  const lastStatus = new Map<string, ProgressView['status']>();
  const slots = new Map<string, BatchSlot>();
  let edits = 0;

  function send(batchId: string, slot: BatchSlot): Promise<void> {
    slot.timer = undefined;
    slot.lastSentAt = Date.now();
    slot.inFlight = slot.inFlight
      .then(async () => {
        const loaded = await loadBatchView(options.pool, batchId);
        const reporter = loaded && options.reporters[loaded.batch.platform];
        if (!loaded || !reporter || !loaded.batch.parentMessageId) return;
        edits++;
        await reporter.batchProgress(loaded.batch, loaded.view);
      })
      .catch((err: unknown) => options.logger.warn({ err, batchId }, 'batch table edit failed'));
    return slot.inFlight;
  }

  function schedule(batchId: string): void {
    let slot = slots.get(batchId);
    if (!slot) {
      slot = { lastSentAt: Number.NEGATIVE_INFINITY, timer: undefined, inFlight: Promise.resolve() };
      slots.set(batchId, slot);
    }
    if (slot.timer) return;
    const s = slot;
    s.timer = setTimeout(() => void send(batchId, s), Math.max(0, s.lastSentAt + intervalMs - Date.now()));
  }

  async function changed(generationId: string, status: ProgressView['status']): Promise<void> {
    if (lastStatus.get(generationId) === status) return;
    lastStatus.set(generationId, status);
    if (status === 'succeeded' || status === 'failed') lastStatus.delete(generationId);
    let batchId = batchOf.get(generationId);
    if (batchId === undefined) {
      batchId = await batchIdOf(options.pool, generationId).catch(() => null);
      batchOf.set(generationId, batchId);
    }
    if (batchId) schedule(batchId);
    if (status === 'succeeded' || status === 'failed') batchOf.delete(generationId);
  }

  return {
    async progress(address, view) {
      await inner.progress(address, view);
      await changed(address.generationId, view.status);
    },
    result: (address, view, resultOptions) => inner.result(address, view, resultOptions),
    failed: (address, failure) => inner.failed(address, failure),
    // The worker pauses for a review only where one can be shown: pass it through.
    ...(inner.review ? { review: inner.review.bind(inner) } : {}),
    ...(inner.flush
      ? { flush: (address: Parameters<NonNullable<ThreadReporter['flush']>>[0]) => inner.flush!(address) }
      : {}),
    async flushBatches() {
      await Promise.all(
        [...slots.entries()].map(([batchId, slot]) => {
          if (!slot.timer) return slot.inFlight;
          clearTimeout(slot.timer);
          return send(batchId, slot);
        }),
      );
    },
    edits: () => edits,
  };
}
