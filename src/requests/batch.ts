/**
 * Batches from a chat, written once for every platform: starting one (validate every line, refuse
 * a batch larger than the quota left — whole, with the numbers — before anything is posted; then
 * the parent message, its thread, and N rows + N jobs in one transaction), and Cancel batch (the
 * requester or an admin, from the batch's parent message).
 */
import { randomUUID } from 'node:crypto';
import { DEFAULTS } from '../config.ts';
import { withTransaction } from '../db/pool.ts';
import { getBatch, type Batch } from '../db/batches.ts';
import type { Generation } from '../db/generations.ts';
import { getUser, upsertUser, type UserIdentity } from '../db/users.ts';
import { cancelBatch, commitBatch } from './commit/batch.ts';
import { parseBatchRequest } from './batch-input.ts';
import { loadBatchView } from '../jobs/batch-updates.ts';
import { initialBatchView, type BatchView } from '../thread/batch-view.ts';
import { describeProblems } from './recipients.ts';
import { contactedBefore } from './outreach.ts';
import { flagContacted } from '../db/batches.ts';
import { checkBatchAction, checkBatchStart, type BatchActionRefusal, type BatchStartRefusal } from './batch-checks.ts';
import { loadStartContext } from './context.ts';
import { CANNOT_POST, type PostedMessage, type RequestDeps } from './port.ts';

/** A batch's table as it stands, for the adapters (a Retry's row back to ⏳), which read no db/ or jobs/. */
export { loadBatchView };

/** The request layer's deps (`batchMax` defaults to `DEFAULTS.batchMax`). */
export type BatchRequestDeps = RequestDeps;

/** How a batch reaches its chat. */
export interface BatchPort {
  /** Posts the parent message (the table) where the request was made. */
  postBatch(view: BatchView): Promise<PostedMessage | typeof CANNOT_POST>;
  /** Opens the thread the emails are posted in; null when there is none (the channel then). */
  openThread(parent: PostedMessage, size: number): Promise<string | null>;
  /** Removes what `postBatch` and `openThread` made (a batch refused after posting). */
  remove(parent: PostedMessage, threadId: string | null): Promise<void>;
}

export type BatchStartOutcome =
  /** `problems`: "Line 3: …" lines, at most MAX_PROBLEMS_SHOWN of them. */
  | { kind: 'invalid'; problems: string[] }
  | BatchStartRefusal
  | { kind: 'cannot-post' }
  | { kind: 'started'; batch: Batch; generations: Generation[]; threadId: string | null };

export interface BatchStartInput {
  identity: UserIdentity;
  template: unknown;
  /** The recipients as given: pasted lines or a CSV file's text. */
  recipients: string;
}

/** Starts a batch; answers what happened, for the adapter to word. */
export async function startBatch(
  deps: BatchRequestDeps,
  port: BatchPort,
  input: BatchStartInput,
): Promise<BatchStartOutcome> {
  const parsed = parseBatchRequest(input, deps.batchMax ?? DEFAULTS.batchMax);
  if (!parsed.ok) return { kind: 'invalid', problems: describeProblems(parsed.problems) };
  const { request } = parsed;
  const context = await loadStartContext(
    deps.pool,
    input.identity,
    deps.dailyQuota,
    undefined,
    deps.dailyBudgetUsd,
    true,
  );
  const early = checkBatchStart(context, request.recipients.length);
  if (early) return early;

  const names = request.recipients.map((r) => r.recipientName);
  // Recipients this person emailed before: flagged on the table, written all the same (issue 22).
  const contacted = await Promise.all(
    request.recipients.map(async (r) => (await contactedBefore(deps.pool, context.user.id, r))?.sentAt),
  );
  // Chosen here: the parent message's Cancel button names the batch before its row exists.
  const batchId = randomUUID();
  const parent = await port.postBatch(initialBatchView(batchId, names, contacted));
  if (parent === CANNOT_POST) return { kind: 'cannot-post' };
  const threadId = await port.openThread(parent, names.length);
  try {
    const result = await withTransaction(deps.pool, async (tx) => {
      const committed = await commitBatch(deps, tx, {
        batchId,
        user: context.user,
        identity: input.identity,
        request,
        address: { channelId: parent.channelId, threadId, parentMessageId: parent.messageId },
      });
      if (!('kind' in committed))
        for (const [i, g] of committed.generations.entries()) {
          const at = contacted[i];
          if (at) await flagContacted(tx, g.id, at);
        }
      return committed;
    });
    if ('kind' in result) {
      await port.remove(parent, threadId);
      return result;
    }
    deps.logger.info(
      { batchId: result.batch.id, size: names.length, platform: input.identity.platform },
      'batch queued',
    );
    return { kind: 'started', ...result, threadId };
  } catch (err) {
    await port.remove(parent, threadId);
    throw err;
  }
}

/** How Cancel batch reaches its chat. */
export interface BatchActionPort {
  isAdmin(): Promise<boolean>;
  /** Shows the batch's table as it now is (after a cancel). */
  showBatch(batch: Batch, view: BatchView): Promise<void>;
}

export type BatchCancelOutcome = BatchActionRefusal | { kind: 'cancelled'; batch: Batch; stopped: number };

export interface BatchCancelInput {
  batchId: string;
  actor: UserIdentity;
  /** The message the button was on; null from no chat message. */
  messageId: string | null;
}

/** Cancel batch: stops the rows not yet started, if the actor may. */
export async function requestBatchCancel(
  deps: BatchRequestDeps,
  port: BatchActionPort,
  input: BatchCancelInput,
): Promise<BatchCancelOutcome> {
  const batch = await getBatch(deps.pool, input.batchId);
  const actor = await upsertUser(deps.pool, input.actor);
  let actorIsAdmin: boolean | undefined;
  let requesterId: string | undefined;
  if (batch && actor.id !== batch.userId && batch.teamId === input.actor.teamId) {
    actorIsAdmin = input.actor.isAdmin ?? (await port.isAdmin());
    if (!actorIsAdmin) requesterId = (await getUser(deps.pool, batch.userId))?.platformUserId;
  }
  const refusal = checkBatchAction({
    batch,
    actor,
    actorTeamId: input.actor.teamId,
    actorIsAdmin,
    requesterId,
    messageId: input.messageId,
  });
  if (refusal || !batch) return refusal ?? { kind: 'not-found' };
  const stopped = await cancelBatch(deps, batch.id);
  deps.logger.info({ batchId: batch.id, stopped: stopped.length }, 'batch cancelled');
  const loaded = await loadBatchView(deps.pool, batch.id);
  if (loaded) {
    await port
      .showBatch(loaded.batch, loaded.view)
      .catch((err: unknown) => deps.logger.warn({ err }, 'could not show the cancelled batch'));
  }
  return { kind: 'cancelled', batch: loaded?.batch ?? batch, stopped: stopped.length };
}
