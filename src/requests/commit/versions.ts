/**
 * Regeneration: a new version of an email in the same thread, reusing the parent's research
 * (steps 1–3) unless it is older than the research cache TTL. Only the composer runs again, with
 * an optional instruction ("Make it shorter").
 *
 * `commitVersion` is the authoritative half of every new-version action (src/requests/act.ts runs
 * the optimistic half and the posting); `regenerate` is the same for callers without a chat.
 */
import type { PgBoss } from 'pg-boss';
import type pg from 'pg';
import { DuplicateRegenerationError, ErrorCode, NotAllowedError, PermanentError } from '../../errors.ts';
import { withTransaction, type Db } from '../../db/pool.ts';
import * as generations from '../../db/generations.ts';
import type { Generation } from '../../db/generations.ts';
import { lockQuota, upsertUser, type User, type UserIdentity } from '../../db/users.ts';
import type { StepRecords } from '../../pipeline/types.ts';
import { checkAction, type Refusal } from '../checks.ts';
import { loadActionContext, type ActionQuery } from '../context.ts';
import { sendJob } from '../../jobs/send.ts';
import { startRefusalError } from './start.ts';

export { INSTRUCTIONS } from '../actions.ts';

export interface RegenerateDeps {
  pool: pg.Pool;
  boss: PgBoss;
  dailyQuota: number;
  /** SCRIBE_DAILY_BUDGET_USD per workspace; undefined: none. */
  dailyBudgetUsd?: number | undefined;
  researchCacheTtlMs: number;
}

export interface RegenerateInput {
  generationId: string;
  /** Who asked. `isAdmin` comes from the platform (workspace admin, Manage Messages). */
  byUser: UserIdentity;
  instruction?: string | undefined;
  /** The bot's progress message for the new version, when it posted one first. */
  progressMessageId?: string | null | undefined;
  now?: Date;
  /**
   * When set: refuse (with `DuplicateRegenerationError`) if a child of the same parent with the same
   * instruction was created within this many ms — whoever asked. Checked under the quota lock, so
   * two requests racing from two processes cannot both pass.
   */
  collapseWithinMs?: number | undefined;
}

/** The steps a regeneration can reuse: 1–3 and the identity, when the research is still fresh. */
export function reusableSteps(parent: Generation, ttlMs: number, now: Date): StepRecords {
  // Saved steps are JSON we wrote ourselves through `saveStep`.
  const steps = parent.steps as StepRecords;
  const { parse, research, identity, arxiv } = steps;
  if (!parse || !research || !arxiv) return {};
  const finishedAt = Date.parse(research.finishedAt);
  if (!Number.isFinite(finishedAt) || now.getTime() - finishedAt > ttlMs) return {};
  const reused = <T extends { reused?: boolean }>(r: T): T => ({ ...r, reused: true });
  const kept: StepRecords = { parse: reused(parse), research: reused(research), arxiv: reused(arxiv) };
  // Who the recipient is goes with the research it filtered (a row from before issue 20 has none).
  if (identity) kept.identity = reused(identity);
  return kept;
}

/**
 * The steps a Fresh research version reuses: the reading of the template, nothing researched —
 * except the person's answer to "Which …?" (issue 20): the new research is filtered for the person
 * they chose, and they are not asked again.
 */
export function freshSteps(parent: Generation): StepRecords {
  const { parse, identity } = parent.steps;
  if (!parse) return {};
  const kept: StepRecords = { parse: { ...parse, reused: true } };
  if (identity?.output?.basis === 'choice') {
    const { held: _read, ...chosen } = identity.output;
    kept.identity = { ...identity, output: chosen, reused: true };
  }
  return kept;
}

/** The version number the next one in the parent's thread gets. */
export async function nextVersion(db: Db, parent: Generation): Promise<number> {
  return parent.channelId && parent.threadId
    ? (await generations.latestVersionInThread(db, parent.platform, parent.channelId, parent.threadId)) + 1
    : parent.version + 1;
}

/** What every new version takes from its parent: the requester, the place in the chat, the inputs, the next number. */
export async function versionOf(db: Db, parent: Generation) {
  return {
    userId: parent.userId,
    parentId: parent.id,
    version: await nextVersion(db, parent),
    platform: parent.platform,
    teamId: parent.teamId,
    channelId: parent.channelId,
    threadId: parent.threadId,
    template: parent.template,
    recipientName: parent.recipientName,
    recipientInterest: parent.recipientInterest,
    identityHint: parent.identityHint,
  } satisfies Partial<generations.NewGeneration>;
}

/** The authoritative half of a new version: what the optimistic half already knows, and the post. */
export interface CommitVersionInput {
  query: ActionQuery;
  actor: User;
  actorIsAdmin: boolean | undefined;
  progressMessageId: string | null;
  now?: Date | undefined;
}

/**
 * On `tx`: takes the requester's quota lock, checks again on a context loaded under it, then
 * inserts the child (charged to the requester: it is their email) and sends its job. Returns the
 * refusal instead when the check fails (nothing is written then).
 */
export async function commitVersion(
  deps: RegenerateDeps,
  tx: Db,
  input: CommitVersionInput,
): Promise<Generation | Refusal> {
  const parent = await generations.getGeneration(tx, input.query.generationId);
  if (parent) await lockQuota(tx, parent.userId);
  const ctx = await loadActionContext(tx, input.query, {
    parent,
    actor: input.actor,
    actorIsAdmin: input.actorIsAdmin,
  });
  const refusal = checkAction(ctx);
  if (refusal || !parent) return refusal ?? { kind: 'not-found' };
  const child = await generations.insertGeneration(tx, {
    ...(await versionOf(tx, parent)),
    progressMessageId: input.progressMessageId,
    instruction: input.query.instruction,
    action: input.query.action ?? null,
    // Fresh research keeps the reading of the template only: research and arXiv run again.
    freshResearch: input.query.fresh === true,
    steps: input.query.fresh
      ? freshSteps(parent)
      : reusableSteps(parent, deps.researchCacheTtlMs, input.now ?? new Date()),
  });
  await sendJob(deps.boss, tx, child.id);
  return child;
}

/** A refused regeneration as an error. */
export function regenerationError(refusal: Refusal): PermanentError {
  switch (refusal.kind) {
    case 'quota':
    case 'budget':
      return startRefusalError(refusal);
    case 'duplicate':
      return new DuplicateRegenerationError(refusal.existing);
    case 'not-found':
      return new PermanentError(ErrorCode.NotFound, 'That email no longer exists.');
    case 'wrong-team':
    case 'wrong-message':
    case 'not-allowed':
      return new NotAllowedError('Only the person who asked for this email (or an admin) can regenerate it.');
  }
}

/**
 * Creates and enqueues the next version, for callers without a chat (the bots go through
 * `requestAction`). Throws NotAllowedError, DuplicateRegenerationError, QuotaExceededError, or not_found.
 */
export async function regenerate(deps: RegenerateDeps, input: RegenerateInput): Promise<Generation> {
  return withTransaction(deps.pool, async (tx) => {
    const actor = await upsertUser(tx, input.byUser);
    const query: ActionQuery = {
      generationId: input.generationId,
      actor: input.byUser,
      messageId: null,
      on: 'result',
      instruction: input.instruction ?? null,
      collapseWithinMs: input.collapseWithinMs,
      dailyQuota: deps.dailyQuota,
      dailyBudgetUsd: deps.dailyBudgetUsd,
      isAdmin: async () => input.byUser.isAdmin ?? false,
    };
    const result = await commitVersion(deps, tx, {
      query,
      actor,
      actorIsAdmin: undefined,
      progressMessageId: input.progressMessageId ?? null,
      now: input.now,
    });
    if ('kind' in result) throw regenerationError(result);
    return result;
  });
}
