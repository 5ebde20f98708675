/**
 * The daily budget and the spend-limit pause, as both the request layer (before a request is
 * accepted) and the worker (before each row starts) check them: what the workspace spent today,
 * the rule, and how a refusal is worded. Beneath src/requests, so the worker needs nothing above it.
 */
import type { Db } from '../db/pool.ts';
import type { UserIdentity } from '../db/users.ts';
import { todayCounts } from '../db/usage.ts';
import { formatUsd } from '../pipeline/prices.ts';

/**
 * The workspace's spend today reached SCRIBE_DAILY_BUDGET_USD (`budgetUsd`), or its generations hit
 * the Anthropic spend limit and new ones are paused (`pausedUntil`).
 */
export interface BudgetRefusal {
  kind: 'budget';
  budgetUsd: number | undefined;
  pausedUntil: Date | undefined;
}

/** What the workspace (Slack team, Discord guild) has spent today, and whether it is paused. */
export interface SpendContext {
  todayUsd: number;
  /** SCRIBE_DAILY_BUDGET_USD; undefined: no budget. */
  budgetUsd: number | undefined;
  /** Set while new generations are refused after an Anthropic spend limit. */
  pausedUntil: Date | undefined;
  /** For a batch: one email's estimated cost, and the workspace's emails waiting or being written. */
  estimate?: { emailUsd: number; unsettled: number } | undefined;
}

/** The budget refusal, when the workspace's spend allows no new generation. */
export function checkSpend(spend: SpendContext | undefined): BudgetRefusal | undefined {
  if (!spend) return undefined;
  if (spend.pausedUntil) return { kind: 'budget', budgetUsd: undefined, pausedUntil: spend.pausedUntil };
  if (spend.budgetUsd !== undefined && spend.todayUsd >= spend.budgetUsd)
    return { kind: 'budget', budgetUsd: spend.budgetUsd, pausedUntil: undefined };
  return undefined;
}

/** The workspace's spend today and any pause; the sum is skipped when there is no budget to compare it with. */
export async function loadSpendContext(
  db: Db,
  platform: UserIdentity['platform'],
  teamId: string,
  budgetUsd: number | undefined,
): Promise<SpendContext> {
  return (await loadToday(db, { platform, teamId }, budgetUsd)).spend;
}

/**
 * A person's quota use today (when `userId`, their row's id, is given) and their workspace's spend
 * context, in one statement (`todayCounts`); the spend is summed only when there is a budget.
 */
export async function loadToday(
  db: Db,
  where: { platform: UserIdentity['platform']; teamId: string; userId?: string | undefined },
  budgetUsd: number | undefined,
): Promise<{ usedToday: number; spend: SpendContext }> {
  const counts = await todayCounts(db, where, budgetUsd !== undefined);
  return {
    usedToday: counts.usedToday,
    spend: { todayUsd: counts.todayUsd, budgetUsd, pausedUntil: counts.pausedUntil },
  };
}

/** What a person is told when the workspace's spend refuses a new email. */
export function budgetText(budgetUsd: number | undefined, pausedUntil: Date | undefined): string {
  if (pausedUntil) {
    return (
      'New emails are paused: Scribe reached its Anthropic spend limit, which every workspace it serves shares. ' +
      `Ask the person who runs Scribe to raise the limit in the Anthropic Console; new emails are accepted again from ${pausedUntil.toISOString().slice(11, 16)} UTC.`
    );
  }
  return (
    `This workspace has spent its daily budget (${formatUsd(budgetUsd ?? 0)}) on emails today. ` +
    'The budget resets at midnight UTC; ask your admin to raise SCRIBE_DAILY_BUDGET_USD if you need more.'
  );
}
