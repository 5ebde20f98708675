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
 * The input is validated in ../batch-input.ts, a refusal worded in ../batch-checks.ts, and the
 * parent message (the table) kept up to date by the runtime (src/jobs/batch-updates.ts).
 */
import type { PgBoss } from 'pg-boss';
import { BatchQuotaError, InvalidRequestError } from '../../errors.ts';
import { withTransaction, type Db } from '../../db/pool.ts';
import type pg from 'pg';
import { attachToBatch, cancelBatchRows, insertBatch, type Batch } from '../../db/batches.ts';
import { insertGeneration, type Generation } from '../../db/generations.ts';
import { IdentityHintSchema } from '../../pipeline/identity/schema.ts';
import { lockQuota, upsertUser, type User, type UserIdentity } from '../../db/users.ts';
import { saveTemplate } from '../../db/templates.ts';
import { batchQuotaText, checkBatchStart, type BatchStartRefusal } from '../batch-checks.ts';
import { parseBatchRequest, type BatchRequest } from '../batch-input.ts';
import { loadStartContext } from '../context.ts';
import { sendJob } from '../../jobs/send.ts';
import { BOSS_SCHEMA, QUEUES } from '../../jobs/queue.ts';

/** The priority of a batch row's job: below single requests (0), later rows lower still. */
export function batchPriority(position: number): number {
  return -(position + 1);
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
      // Stored JSON is a boundary: only the validated shape is written.
      identityHint: recipient.identityHint ? IdentityHintSchema.parse(recipient.identityHint) : null,
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
