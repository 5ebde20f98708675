/**
 * Regeneration: a new version of an email in the same thread, reusing the parent's research
 * (steps 1–3) unless it is older than the research cache TTL. Only the composer runs again, with
 * an optional instruction ("Make it shorter").
 */
import type { PgBoss } from 'pg-boss';
import type pg from 'pg';
import { ErrorCode, PermanentError } from '../errors.ts';
import { withTransaction } from '../db/pool.ts';
import * as generations from '../db/generations.ts';
import type { Generation } from '../db/generations.ts';
import { countToday } from '../db/generations.ts';
import { lockUser, upsertUser, type UserIdentity } from '../db/users.ts';
import type { StepRecords } from '../pipeline/types.ts';
import { QuotaExceededError, sendJob } from './enqueue.ts';

export const INSTRUCTIONS = {
  shorter: 'Make the email noticeably shorter (about half as long), keeping the template’s fixed sentences.',
} as const;

export interface RegenerateDeps {
  pool: pg.Pool;
  boss: PgBoss;
  dailyQuota: number;
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
   * instruction was created within this many ms — whoever asked. Checked under the owner's row
   * lock, so two requests racing from two processes cannot both pass.
   */
  collapseWithinMs?: number | undefined;
}

export class NotAllowedError extends PermanentError {
  constructor(message: string) {
    super(ErrorCode.NotAllowed, message);
  }
}

/** The same regeneration was started a moment ago; `existing` is that child. */
export class DuplicateRegenerationError extends PermanentError {
  readonly existing: Generation;
  constructor(existing: Generation) {
    super(ErrorCode.Duplicate, 'A new version of this email is already being written.');
    this.existing = existing;
  }
}

/** The steps a regeneration can reuse: 1–3, when the research is still fresh. */
export function reusableSteps(parent: Generation, ttlMs: number, now: Date): StepRecords {
  // Saved steps are JSON we wrote ourselves through `saveStep`.
  const steps = parent.steps as StepRecords;
  const { parse, research, arxiv } = steps;
  if (!parse || !research || !arxiv) return {};
  const finishedAt = Date.parse(research.finishedAt);
  if (!Number.isFinite(finishedAt) || now.getTime() - finishedAt > ttlMs) return {};
  const reused = <T extends { reused?: boolean }>(r: T): T => ({ ...r, reused: true });
  return { parse: reused(parse), research: reused(research), arxiv: reused(arxiv) };
}

/** Creates and enqueues the next version. Throws NotAllowedError, QuotaExceededError, or not_found. */
export async function regenerate(deps: RegenerateDeps, input: RegenerateInput): Promise<Generation> {
  return withTransaction(deps.pool, async (tx) => {
    const parent = await generations.getGeneration(tx, input.generationId);
    if (!parent) throw new PermanentError(ErrorCode.NotFound, 'That email no longer exists.');
    const user = await upsertUser(tx, input.byUser);
    if (user.id !== parent.userId && !input.byUser.isAdmin) {
      throw new NotAllowedError('Only the person who asked for this email (or an admin) can regenerate it.');
    }
    await lockUser(tx, parent.userId);
    if (input.collapseWithinMs !== undefined) {
      const recent = await generations.findRecentChild(tx, parent.id, input.instruction ?? null, input.collapseWithinMs);
      if (recent) throw new DuplicateRegenerationError(recent);
    }
    if ((await countToday(tx, parent.userId)) >= deps.dailyQuota) throw new QuotaExceededError(deps.dailyQuota);
    const version =
      parent.channelId && parent.threadId
        ? (await generations.latestVersionInThread(tx, parent.platform, parent.channelId, parent.threadId)) + 1
        : parent.version + 1;
    const child = await generations.insertGeneration(tx, {
      userId: parent.userId,
      parentId: parent.id,
      version,
      platform: parent.platform,
      teamId: parent.teamId,
      channelId: parent.channelId,
      threadId: parent.threadId,
      progressMessageId: input.progressMessageId ?? null,
      template: parent.template,
      recipientName: parent.recipientName,
      recipientInterest: parent.recipientInterest,
      instruction: input.instruction ?? null,
      steps: reusableSteps(parent, deps.researchCacheTtlMs, input.now ?? new Date()),
    });
    await sendJob(deps.boss, tx, child.id);
    return child;
  });
}
