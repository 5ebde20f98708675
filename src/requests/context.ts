/**
 * Loading what the checks look at, once per phase: on the pool before anything is posted, and
 * again on the transaction's client under the quota lock. What does not change between the two
 * (the actor's row, whether they are an admin) is loaded once and handed to the second load.
 */
import type { Db } from '../db/pool.ts';
import { countTodayForQuota, findRecentChild, getGeneration, type Generation } from '../db/generations.ts';
import { getUser, upsertUser, type User, type UserIdentity } from '../db/users.ts';
import { needsAdminCheck, type ActionContext, type StartContext } from './checks.ts';

/** Upserts the person and counts their quota use. `user`: already upserted in this request. */
export async function loadStartContext(
  db: Db,
  identity: UserIdentity,
  dailyQuota: number,
  user?: User,
): Promise<StartContext> {
  const row = user ?? (await upsertUser(db, identity));
  return { user: row, usedToday: await countTodayForQuota(db, row.id), dailyQuota };
}

/** What an action request carries into the checks. */
export interface ActionQuery {
  generationId: string;
  actor: UserIdentity;
  messageId: string | null;
  on: ActionContext['on'];
  /** The instruction of the version asked for: the dedupe lookup matches on it. */
  instruction: string | null;
  /** The action's name, recorded on the version and matched by the dedupe lookup; undefined: any. */
  action?: string | undefined;
  /** Research again, bypassing the cache (Fresh research). */
  fresh?: boolean | undefined;
  /** The action makes a new version charged to the quota (default true). */
  charges?: boolean | undefined;
  /** Undefined: no dedupe (a caller that asks on purpose, e.g. the CLI). */
  collapseWithinMs: number | undefined;
  dailyQuota: number;
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
  const usedToday = parent ? await countTodayForQuota(db, parent.userId) : 0;
  return {
    parent,
    actor,
    actorTeamId: query.actor.teamId,
    actorIsAdmin,
    requesterId,
    messageId: query.messageId,
    on: query.on,
    charges: query.charges ?? true,
    recent,
    usedToday,
    dailyQuota: query.dailyQuota,
  };
}
