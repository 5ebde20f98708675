/**
 * Cost on the `generations` table (`usage`, `cost_usd`) and the `spend_pauses` table: what a
 * generation used, today's spend of a person and of a workspace, and workspaces paused after an
 * Anthropic spend limit.
 */
import type { GenerationUsage } from '../pipeline/usage.ts';
import type { Db } from './pool.ts';
import type { Platform } from './users.ts';

/** Replaces a generation's usage (the meter's running total, earlier tries included) and its price. */
export async function saveUsage(db: Db, id: string, usage: GenerationUsage, costUsd: number): Promise<void> {
  await db.query('UPDATE generations SET usage = $2, cost_usd = $3 WHERE id = $1', [
    id,
    JSON.stringify(usage),
    costUsd.toFixed(6),
  ]);
}

const TODAY = `created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'`;

/** USD spent today (UTC) by this person's row, and by their workspace or guild. */
export async function spendToday(
  db: Db,
  who: { userId: string; platform: Platform; teamId: string },
): Promise<{ user: number; workspace: number }> {
  const { rows } = await db.query<{ user: string; workspace: string }>(
    `SELECT coalesce(sum(cost_usd) FILTER (WHERE user_id = $1), 0) AS user,
            coalesce(sum(cost_usd), 0) AS workspace
     FROM generations WHERE platform = $2 AND team_id = $3 AND ${TODAY}`,
    [who.userId, who.platform, who.teamId],
  );
  return { user: Number(rows[0]?.user ?? 0), workspace: Number(rows[0]?.workspace ?? 0) };
}

/** USD spent today (UTC) in a workspace or guild. */
export async function workspaceSpendToday(db: Db, platform: Platform, teamId: string): Promise<number> {
  const { rows } = await db.query<{ usd: string }>(
    `SELECT coalesce(sum(cost_usd), 0) AS usd FROM generations WHERE platform = $1 AND team_id = $2 AND ${TODAY}`,
    [platform, teamId],
  );
  return Number(rows[0]?.usd ?? 0);
}

/** Refuses new generations in a workspace until `forMs` from now (database time). */
export async function pauseWorkspace(
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

/** Until when a workspace is paused; undefined when it is not. */
export async function pausedUntil(db: Db, platform: Platform, teamId: string): Promise<Date | undefined> {
  const { rows } = await db.query<{ until: Date }>(
    'SELECT until FROM spend_pauses WHERE platform = $1 AND team_id = $2 AND until > now()',
    [platform, teamId],
  );
  return rows[0]?.until;
}
