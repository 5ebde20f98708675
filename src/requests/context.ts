/**
 * Loading what the checks look at, once per phase: on the pool before anything is posted, and
 * again on the transaction's client under the quota lock. What does not change between the two
 * (the actor's row, whether they are an admin) is loaded once and handed to the second load.
 */
import type { Db } from '../db/pool.ts';
import { findRecentChild, getGeneration, type Generation } from '../db/generations.ts';
import { getUser, upsertUser, type User, type UserIdentity } from '../db/users.ts';
import { medianEmailCost, unsettledInWorkspace } from '../db/usage.ts';
import { loadToday } from '../jobs/budget.ts';
import { estimateEmailCost } from '../pipeline/prices.ts';
import { needsAdminCheck, type ActionContext, type SpendContext, type StartContext } from './checks.ts';

/** One email's estimated cost, and the workspace's emails waiting or being written. */
async function batchEstimate(
  db: Db,
  where: Pick<UserIdentity, 'platform' | 'teamId'>,
): Promise<NonNullable<SpendContext['estimate']>> {
  const emailUsd = estimateEmailCost(await medianEmailCost(db, EMAIL_COST_SAMPLE));
  return { emailUsd, unsettled: await unsettledInWorkspace(db, where.platform, where.teamId) };
}

/** How many recent emails the batch estimate takes the median of. */
const EMAIL_COST_SAMPLE = 20;

/** Upserts the person and counts their quota use. `user`: already upserted in this request. */
export async function loadStartContext(
  db: Db,
  identity: UserIdentity,
  dailyQuota: number,
  user?: User,
  dailyBudgetUsd?: number | undefined,
  /** A batch: its emails' cost is estimated too (from recent real costs; with a budget only). */
  batch?: boolean,
): Promise<StartContext> {
  const row = user ?? (await upsertUser(db, identity));
  // The quota's count and the spend in one round trip; a batch's estimate needs more (below).
  const today = await loadToday(
    db,
    { platform: identity.platform, teamId: identity.teamId, userId: row.id },
    dailyBudgetUsd,
  );
  const spend =
    batch && dailyBudgetUsd !== undefined
      ? { ...today.spend, estimate: await batchEstimate(db, identity) }
      : today.spend;
  return { user: row, usedToday: today.usedToday, dailyQuota, spend };
}

/** What an action request carries into the checks. */
export interface ActionQuery {
  generationId: string;
  actor: UserIdentity;
  messageId: string | null;
  on: ActionContext['on'];
  /** The thread the message is in (see `ActionContext.threadId`). */
  threadId?: string | null | undefined;
  /** The instruction of the version asked for: the dedupe lookup matches on it. */
  instruction: string | null;
  /** The action's name, recorded on the version and matched by the dedupe lookup; undefined: any. */
  action?: string | undefined;
  /** Research again, bypassing the cache (Fresh research). */
  fresh?: boolean | undefined;
  /** The action makes a new version charged to the quota (default true). */
  charges?: boolean | undefined;
  /** Whether it calls the model (default true; false for a cancel). */
  spends?: boolean | undefined;
  /** Undefined: no dedupe (a caller that asks on purpose, e.g. the CLI). */
  collapseWithinMs: number | undefined;
  dailyQuota: number;
  /** SCRIBE_DAILY_BUDGET_USD, for the email's workspace. */
  dailyBudgetUsd?: number | undefined;
  /** Asked at most once per request, and only when the actor is not the requester. */
  isAdmin: () => Promise<boolean>;
}

/** Loaded earlier in the same request and still true: not loaded (or asked) again. */
export interface KnownContext {
  actor?: User;
  actorIsAdmin?: boolean | undefined;
  parent?: Generation | undefined;
}

export async function loadActionContext(db: Db, query: ActionQuery, known: KnownContext = {}): Promise<ActionContext> {
  const parent = known.parent ?? (await getGeneration(db, query.generationId));
  const actor = known.actor ?? (await upsertUser(db, query.actor));
  let actorIsAdmin = known.actorIsAdmin;
  let requesterId: string | undefined;
  if (parent && needsAdminCheck(parent, actor, query.actor.teamId)) {
    actorIsAdmin ??= query.actor.isAdmin ?? (await query.isAdmin());
    if (!actorIsAdmin) requesterId = (await getUser(db, parent.userId))?.platformUserId;
  }
  // One after the other: `db` may be a transaction's single client.
  const recent =
    parent && query.collapseWithinMs !== undefined
      ? await findRecentChild(db, parent.id, query.instruction, query.collapseWithinMs, query.action)
      : undefined;
  const today = parent
    ? await loadToday(
        db,
        { platform: parent.platform, teamId: parent.teamId, userId: parent.userId },
        query.dailyBudgetUsd,
      )
    : undefined;
  const usedToday = today?.usedToday ?? 0;
  const spend = today?.spend;
  return {
    spend,
    parent,
    actor,
    actorTeamId: query.actor.teamId,
    actorIsAdmin,
    requesterId,
    messageId: query.messageId,
    on: query.on,
    threadId: query.threadId,
    charges: query.charges ?? true,
    spends: query.spends ?? true,
    recent,
    usedToday,
    dailyQuota: query.dailyQuota,
  };
}
