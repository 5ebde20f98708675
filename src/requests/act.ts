/**
 * Actions on an existing email (the table in actions.ts), from a button or a reaction, on any
 * platform. One flow, one dedupe rule:
 *
 * 1. In memory, per process: the same person asking the same thing of the same email within
 *    `COLLAPSE_MS` (a double click, 🔁 and 🔄 together) is dropped before any query.
 * 2. In Postgres, across processes and restarts: a request made at time T is answered by any new
 *    version of that email asked for the same way since T, so the dedupe window is
 *    `collapseWindowMs(T)` = max(10 s, now − T + clock skew). Checked before anything is posted
 *    (a duplicate leaves no trace in the thread) and again under the quota lock.
 *
 * T is the platform's own time of the request where there is one: Slack's `event_ts` (kept by a
 * redelivery), a Discord interaction's snowflake; else the time it arrived.
 *
 * Authorisation is `checkAction`: the same team as the email, a message of the email, the
 * requester or an admin.
 */
import { getTracer } from '../telemetry/tracer.ts';
import { withTransaction, type Db } from '../db/pool.ts';
import { findByResultMessage, type Generation } from '../db/generations.ts';
import type { Platform, UserIdentity } from '../db/users.ts';
import { initialProgress } from '../thread/progress.ts';
import { commitCancel, commitChoice, commitResume, commitRetry, type SteerResult } from './commit/steer.ts';
import { commitFeedback, type FeedbackResult } from './commit/feedback.ts';
import { commitVersion, nextVersion, reusableSteps } from './commit/versions.ts';
import type { ProgressView } from '../thread/reporter.ts';
import { ACTIONS, collapseWindowMs, costOf, type ActionEffect, type ActionKind } from './actions.ts';
import { checkAction, type Refusal } from './checks.ts';
import { loadActionContext, type ActionQuery } from './context.ts';
import { CANNOT_POST, type ActionPort, type RequestDeps } from './port.ts';
import { commitMarkSent, commitUnmarkSent, type OutreachResult } from './outreach.ts';
import { commitFollowUp, type FollowUpResult } from './commit/follow-up.ts';

/** What came of an action, for the adapter to word (or keep quiet about). */
export type ActionOutcome =
  | { kind: 'started'; child: Generation }
  | { kind: 'cannot-post' }
  | Exclude<Refusal, { kind: 'duplicate' }>
  | { kind: 'duplicate' }
  | SteerResult
  | FeedbackResult
  | OutreachResult
  | FollowUpResult;

export interface ActionInput {
  action: ActionKind;
  generationId: string;
  /** Who asks, with their team/guild as the platform says it. */
  actor: UserIdentity;
  /** The message the button was on, or the message reacted to. */
  messageId: string;
  /** The thread that message is in, where the platform says it (binds a batch row's Retry). */
  threadId?: string | null | undefined;
  /** When the person asked, by the platform's clock; default: now. */
  requestedAt?: Date | undefined;
  /** What the button carries besides its action: for `choose`, the candidate's number or "none". */
  option?: string | undefined;
}

/** How long a progress-message action waits for a row whose id was reserved but not yet written: 4 × 500 ms. */
const RESERVED_ID_WAITS = 4;
const RESERVED_ID_WAIT_MS = 500;

/** Runs an action; answers what happened. Throws only for what nobody planned for. */
export function requestAction(deps: RequestDeps, port: ActionPort, input: ActionInput): Promise<ActionOutcome> {
  // The trace of the new version starts here; the job payload carries it to the worker.
  return getTracer().span(
    `request ${input.action}`,
    { 'scribe.platform': input.actor.platform, 'scribe.parent_id': input.generationId },
    async (span) => {
      const outcome = await act(deps, port, input);
      span.setAttributes({ 'scribe.outcome': outcome.kind });
      return outcome;
    },
  );
}

async function act(deps: RequestDeps, port: ActionPort, input: ActionInput): Promise<ActionOutcome> {
  const spec = ACTIONS[input.action];
  const effect: ActionEffect = spec.effect;
  // Feedback is a value set, not a thing started: a repeat is harmless, and 👍 👎 👍 within the
  // collapse window must end on 👍, so it is not dropped in memory. A second *Mark as sent* (or
  // *Remind me*, …) is answered from the stored mark ("already marked"), never dropped. A second
  // answer to "Which …?" is told what was chosen: its conditional update is the referee.
  if (
    effect.type !== 'feedback' &&
    effect.type !== 'outreach' &&
    effect.type !== 'follow-up' &&
    effect.type !== 'choose' &&
    !deps.recentRequests.claim(`${input.generationId}:${input.actor.platformUserId}:${input.action}`)
  )
    return { kind: 'duplicate' };
  const newVersion = effect.type === 'new-version';
  const query: ActionQuery = {
    generationId: input.generationId,
    actor: input.actor,
    messageId: input.messageId,
    threadId: input.threadId,
    on: spec.on,
    instruction: newVersion ? effect.instruction : null,
    action: input.action,
    fresh: newVersion && 'fresh' in effect && effect.fresh === true,
    charges: costOf(input.action) === 'quota',
    spends: costOf(input.action) !== 'free',
    // Cancel and retry need no lookup: their conditional updates make a repeat a no-op.
    collapseWithinMs: newVersion ? collapseWindowMs(input.requestedAt) : undefined,
    dailyQuota: deps.dailyQuota,
    dailyBudgetUsd: deps.dailyBudgetUsd,
    isAdmin: () => port.isAdmin(),
  };
  let ctx = await loadActionContext(deps.pool, query);
  // The first progress message carries its row's reserved id a moment before the row is written:
  // a Cancel pressed in that moment waits for it (briefly) instead of hearing "no longer exists".
  for (let i = 0; !ctx.parent && spec.on === 'progress' && i < RESERVED_ID_WAITS; i++) {
    await new Promise((resolve) => setTimeout(resolve, RESERVED_ID_WAIT_MS));
    ctx = await loadActionContext(deps.pool, query, { actor: ctx.actor });
  }
  const early = checkAction(ctx);
  const parent = ctx.parent;
  if (early || !parent) return refused(early ?? { kind: 'not-found' });
  const log = deps.logger.child({ generationId: parent.id, action: input.action });
  if (!newVersion) {
    const result = await withTransaction(deps.pool, async (tx) => {
      // Checked again on the transaction: the person's row and admin flag as loaded above.
      const again = checkAction(
        await loadActionContext(tx, query, { actor: ctx.actor, actorIsAdmin: ctx.actorIsAdmin }),
      );
      if (again) return refused(again);
      return commitSteer(deps, tx, effect, parent, ctx.actor.id, input.option);
    });
    if (result.kind === 'feedback') {
      if (result.previous !== result.value) deps.metrics?.feedback(result.value, parent.platform);
      log.info(
        { event: 'feedback.recorded', value: result.value, previous: result.previous, platform: parent.platform },
        'feedback recorded',
      );
      return result;
    }
    if (result.kind === 'marked-sent' || result.kind === 'unmarked')
      log.info(
        {
          event: result.kind === 'marked-sent' ? 'outreach.marked' : 'outreach.unmarked',
          outreachId: result.outreach.id,
        },
        result.kind === 'marked-sent' ? 'email marked as sent' : 'sent mark taken back',
      );
    if (result.kind === 'reminder-set' || result.kind === 'reminder-stopped')
      log.info(
        {
          event: result.kind === 'reminder-set' ? 'follow-up.scheduled' : 'follow-up.stopped',
          outreachId: result.outreach.id,
          state: result.outreach.followUp,
          dueAt: result.outreach.followUpAt,
        },
        result.kind === 'reminder-set' ? 'follow-up reminder set' : `follow-up reminder ${result.outreach.followUp}`,
      );
    if (
      result.kind === 'cancelled' ||
      result.kind === 'retrying' ||
      result.kind === 'writing' ||
      result.kind === 'chosen'
    ) {
      log.info({ outcome: result.kind }, `generation ${STEERED_LOG[result.kind]}`);
      // The worker edits a running one too; a queued one has no worker to say it.
      const kind = result.kind === 'chosen' ? 'writing' : result.kind;
      await port
        .showProgress(result.generation, steeredView(result.generation, kind))
        .catch((err: unknown) => log.warn({ err }, 'could not update the progress message'));
    }
    return result;
  }

  // The version and reused steps shown until the worker's first edit (which has the final word).
  const view = initialProgress(
    parent.recipientName,
    await nextVersion(deps.pool, parent),
    reusableSteps(parent, deps.researchCacheTtlMs, new Date()),
  );
  const progress = await port.postProgress(parent, view, effect.asked);
  if (progress === CANNOT_POST) return { kind: 'cannot-post' };
  try {
    const result = await withTransaction(deps.pool, (tx) =>
      commitVersion(deps, tx, {
        query,
        actor: ctx.actor,
        actorIsAdmin: ctx.actorIsAdmin,
        progressMessageId: progress.messageId,
      }),
    );
    if ('kind' in result) {
      await port.remove(progress);
      return refused(result);
    }
    log.info({ childId: result.id, version: result.version, platform: parent.platform }, 'new version queued');
    return { kind: 'started', child: result };
  } catch (err) {
    await port.remove(progress);
    throw err;
  }
}

/**
 * The authoritative half of an action on the generation itself, on the transaction: one commit
 * function per effect. Exhaustive: a new effect does not compile until it has its case here.
 */
function commitSteer(
  deps: RequestDeps,
  tx: Db,
  effect: Exclude<ActionEffect, { type: 'new-version' }>,
  parent: Generation,
  actorId: string,
  option: string | undefined,
): Promise<SteerResult | FeedbackResult | OutreachResult | FollowUpResult> {
  switch (effect.type) {
    case 'cancel':
      return commitCancel(deps.boss, tx, parent.id, actorId);
    case 'retry':
      return commitRetry(deps.boss, tx, parent.id);
    case 'resume':
      return commitResume(deps.boss, tx, parent.id);
    case 'outreach':
      return effect.mark ? commitMarkSent(tx, parent) : commitUnmarkSent(tx, parent);
    case 'choose':
      return commitChoice(deps.boss, tx, parent.id, option);
    case 'follow-up':
      return commitFollowUp(deps.boss, tx, parent, effect.to, deps.followUpDays);
    case 'form':
      // A form's button opens the form (the adapter's part); saving it is src/requests/edit.ts.
      return Promise.resolve({ kind: 'nothing-to-do', status: parent.status });
    case 'feedback':
      return commitFeedback(tx, parent, actorId, effect.value);
    default: {
      const unknown: never = effect;
      throw new Error(`No commit for the action effect ${JSON.stringify(unknown)}`);
    }
  }
}

/** How the log says what a steering action did. */
const STEERED_LOG = {
  cancelled: 'cancelled',
  retrying: 'retrying',
  writing: 'resumed after review',
  chosen: 'resumed with the person chosen',
} as const;

/** The progress message after a cancel (the steps as saved, "Cancelled") or a retry (waiting again). */
export function steeredView(g: Generation, kind: 'cancelled' | 'retrying' | 'writing'): ProgressView {
  const view = initialProgress(g.recipientName, g.version, g.steps);
  if (kind === 'cancelled') return { ...view, status: 'cancelled' };
  return { ...view, status: 'queued', queue: kind === 'retrying' ? 'Retrying' : 'Writing the email next' };
}

/** A refusal as an outcome (a duplicate's existing version stays inside the layer). */
function refused(refusal: Refusal): ActionOutcome {
  return refusal.kind === 'duplicate' ? { kind: 'duplicate' } : refusal;
}

/** A new version of an email (Regenerate, Shorter, 🔁): `requestAction` under the name callers know. */
export const requestRegeneration = requestAction;

/**
 * The email whose result message a reaction was added to; undefined when it is not one. Found by
 * the stored message ids, never by reading channel history.
 */
export function reactedTo(db: Db, platform: Platform, messageId: string): Promise<Generation | undefined> {
  return findByResultMessage(db, platform, messageId);
}
