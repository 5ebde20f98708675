/**
 * Cost: `generations.usage` / `cost_usd` (what a generation used, over every try), the `spend`
 * ledger (what was spent when: today's spend is summed from it), and `spend_pauses` (new work
 * refused after an Anthropic spend limit).
 */
import type { GenerationUsage } from '../pipeline/usage.ts';
import { named, type Db, type Statement } from './pool.ts';
import { usedTodaySql } from './generations.ts';
import type { Platform } from './users.ts';

/**
 * Replaces a generation's usage (the meter's running total, earlier tries included) and its price,
 * and records `spentUsd` (the calls billed since the last save) in the ledger, in one statement.
 */
export async function saveUsage(
  db: Db,
  id: string,
  usage: GenerationUsage,
  costUsd: number,
  spentUsd: number,
): Promise<void> {
  await db.query(
    `WITH g AS (UPDATE generations SET usage = $2, cost_usd = $3 WHERE id = $1 RETURNING id, user_id, platform, team_id)
     INSERT INTO spend (generation_id, user_id, platform, team_id, usd)
     SELECT id, user_id, platform, team_id, $4 FROM g WHERE $4::numeric > 0`,
    [id, JSON.stringify(usage), costUsd.toFixed(6), spentUsd.toFixed(6)],
  );
}

const TODAY = `at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`;

/** USD spent today (UTC) by this person's row, and by their workspace or guild. */
export async function spendToday(
  db: Db,
  who: { userId: string; platform: Platform; teamId: string },
): Promise<{ user: number; workspace: number }> {
  const { rows } = await db.query<{ user: string; workspace: string }>(
    `SELECT coalesce(sum(usd) FILTER (WHERE user_id = $1), 0) AS user, coalesce(sum(usd), 0) AS workspace
     FROM spend WHERE platform = $2 AND team_id = $3 AND ${TODAY}`,
    [who.userId, who.platform, who.teamId],
  );
  return { user: Number(rows[0]?.user ?? 0), workspace: Number(rows[0]?.workspace ?? 0) };
}

/** USD spent today (UTC) in a workspace or guild, as an SQL expression on two placeholders. */
function workspaceSpendSql(platformParam: string, teamParam: string): string {
  return `(SELECT coalesce(sum(usd), 0) FROM spend WHERE platform = ${platformParam} AND team_id = ${teamParam} AND ${TODAY})`;
}

/** USD spent today (UTC) in a workspace or guild, whatever day its generations were asked for. */
export async function workspaceSpendToday(db: Db, platform: Platform, teamId: string): Promise<number> {
  const { rows } = await db.query<{ usd: string }>(`SELECT ${workspaceSpendSql('$1', '$2')} AS usd`, [
    platform,
    teamId,
  ]);
  return Number(rows[0]?.usd ?? 0);
}

/** Until when every workspace is paused (`pausedUntil`), as an SQL expression. */
const PAUSED_UNTIL_SQL = '(SELECT max(until) FROM spend_pauses WHERE until > now())';

/** `todayCounts`'s statement: prepared (its parse and plan cost ~18 times its run). */
const TODAY_COUNTS: Statement = {
  name: 'scribe_today_counts',
  text: `SELECT CASE WHEN $3::uuid IS NULL THEN NULL ELSE ${usedTodaySql('$3')} END AS n,
       CASE WHEN $4::boolean THEN ${workspaceSpendSql('$1', '$2')} END AS usd,
       ${PAUSED_UNTIL_SQL} AS until`,
};

/** What a start or an action is checked against today, read in one round trip. */
export interface TodayCounts {
  /** The person's quota use (`countTodayForQuota`); 0 when no person was asked about. */
  usedToday: number;
  /** The workspace's spend today; 0 when not asked for (no budget to compare it with). */
  todayUsd: number;
  pausedUntil: Date | undefined;
}

/**
 * The spend-limit pause, the workspace's spend today (when `withSpend`), and the person's quota use
 * (when `userId` is given: their row's id) in one statement: a start checks all three, and each
 * round trip is a wake-up of a PostgreSQL backend that a small box pays for in a burst.
 */
export async function todayCounts(
  db: Db,
  where: { platform: Platform; teamId: string; userId?: string | undefined },
  withSpend: boolean,
): Promise<TodayCounts> {
  const { rows } = await db.query<{ n: number | null; usd: string | null; until: Date | null }>(
    named(TODAY_COUNTS, [where.platform, where.teamId, where.userId ?? null, withSpend]),
  );
  const row = rows[0];
  return {
    usedToday: row?.n ?? 0,
    todayUsd: Number(row?.usd ?? 0),
    pausedUntil: row?.until ?? undefined,
  };
}

/**
 * The median cost of the last `n` first versions that succeeded (a batch row is one), in USD;
 * undefined when there is none yet. Edited versions cost nothing and regenerations reuse research,
 * so neither says what a new email costs.
 */
export async function medianEmailCost(db: Db, n: number): Promise<number | undefined> {
  const { rows } = await db.query<{ usd: string | null }>(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY cost_usd) AS usd FROM (
       SELECT cost_usd FROM generations
       WHERE status = 'succeeded' AND parent_id IS NULL AND edited_by IS NULL AND cost_usd > 0
       ORDER BY finished_at DESC NULLS LAST LIMIT $1) recent`,
    [n],
  );
  const usd = rows[0]?.usd;
  return usd === null || usd === undefined ? undefined : Number(usd);
}

/** Generations of a workspace waiting for or holding a worker: spend still to come. */
export async function unsettledInWorkspace(db: Db, platform: Platform, teamId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM generations
     WHERE platform = $1 AND team_id = $2 AND status IN ('queued', 'running')`,
    [platform, teamId],
  );
  return rows[0]?.n ?? 0;
}

/**
 * Refuses new generations until `forMs` from now (database time). Recorded with the workspace it
 * happened in, but the Anthropic spend limit is the organisation's: `pausedUntil` reads every row.
 */
export async function pauseSpending(
  db: Db,
  platform: Platform,
  teamId: string,
  forMs: number,
  reason: string,
): Promise<void> {
  await db.query(
    `INSERT INTO spend_pauses (platform, team_id, until, reason)
     VALUES ($1, $2, now() + $3 * interval '1 millisecond', $4)
     ON CONFLICT (platform, team_id) DO UPDATE SET until = EXCLUDED.until, reason = EXCLUDED.reason, created_at = now()`,
    [platform, teamId, forMs, reason],
  );
}

/** Until when every workspace of this deployment is paused; undefined when none is. */
export async function pausedUntil(db: Db): Promise<Date | undefined> {
  const { rows } = await db.query<{ until: Date | null }>(`SELECT ${PAUSED_UNTIL_SQL} AS until`);
  return rows[0]?.until ?? undefined;
}
