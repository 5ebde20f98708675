/** The `users` table: one row per platform identity. */
import { named, type Db, type Statement } from './pool.ts';

export type Platform = 'slack' | 'discord' | 'cli';

export interface User {
  id: string;
  platform: Platform;
  teamId: string;
  platformUserId: string;
  displayName: string | null;
  isAdmin: boolean;
  generationCount: number;
  /** Their last answer to "Let me review the research first": the form's default next time. */
  reviewResearch: boolean;
}

export interface UserIdentity {
  platform: Platform;
  /** Slack team / Discord guild; '' where there is none. */
  teamId: string;
  platformUserId: string;
  displayName?: string | null | undefined;
  isAdmin?: boolean | undefined;
}

const COLUMNS = `id, platform, team_id AS "teamId", platform_user_id AS "platformUserId",
  display_name AS "displayName", is_admin AS "isAdmin", generation_count AS "generationCount",
  review_research AS "reviewResearch"`;

/** `upsertUser`'s statement: prepared (every request runs it, most twice). */
const UPSERT_USER: Statement = {
  name: 'scribe_upsert_user',
  text: `INSERT INTO users (platform, team_id, platform_user_id, display_name, is_admin)
     VALUES ($1, $2, $3, $4, coalesce($5, false))
     ON CONFLICT (platform, team_id, platform_user_id) DO UPDATE
       SET display_name = coalesce(EXCLUDED.display_name, users.display_name),
           is_admin = coalesce($5, users.is_admin)
     RETURNING ${COLUMNS}`,
};

/** Creates the user on first sight; later calls refresh the display name and admin flag. */
export async function upsertUser(db: Db, identity: UserIdentity): Promise<User> {
  const { rows } = await db.query<User>(
    named(UPSERT_USER, [
      identity.platform,
      identity.teamId,
      identity.platformUserId,
      identity.displayName ?? null,
      identity.isAdmin ?? null,
    ]),
  );
  return rows[0]!;
}

export async function getUser(db: Db, id: string): Promise<User | undefined> {
  const { rows } = await db.query<User>(`SELECT ${COLUMNS} FROM users WHERE id = $1`, [id]);
  return rows[0];
}

/**
 * A start was recorded for this person: their count goes up, and their answer to "Let me review
 * the research first" (when the form asked) is remembered for their next form. One statement.
 */
export async function recordStart(db: Db, id: string, reviewResearch: boolean | undefined): Promise<void> {
  await db.query(
    `UPDATE users SET generation_count = generation_count + 1, review_research = coalesce($2, review_research)
     WHERE id = $1`,
    [id, reviewResearch ?? null],
  );
}

/**
 * Serialises quota checks for one person until the transaction ends, with the same scope as
 * `countTodayForQuota`: a Discord person across guilds, anyone else per workspace. An advisory lock,
 * because a Discord person has one row per guild.
 */
export async function lockQuota(db: Db, userId: string): Promise<void> {
  await db.query(
    `SELECT pg_advisory_xact_lock(hashtextextended(
       'scribe-quota:' || platform || ':' || CASE WHEN platform = 'discord' THEN '' ELSE team_id END || ':' || platform_user_id, 0))
     FROM users WHERE id = $1`,
    [userId],
  );
}
