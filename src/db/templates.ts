/** The `templates` table: a user's templates; the last one used prefills the modal. */
import type { Db } from './pool.ts';
import type { UserIdentity } from './users.ts';

/** Saves a template (or marks an identical saved one as just used). */
export async function saveTemplate(db: Db, userId: string, body: string): Promise<void> {
  await db.query(
    `INSERT INTO templates (user_id, body) VALUES ($1, $2)
     ON CONFLICT (user_id, md5(body)) DO UPDATE SET last_used_at = now()`,
    [userId, body],
  );
}

export async function lastTemplate(db: Db, userId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ body: string }>(
    'SELECT body FROM templates WHERE user_id = $1 ORDER BY last_used_at DESC LIMIT 1',
    [userId],
  );
  return rows[0]?.body;
}

/**
 * What the `/scribe` form opens with, read in one round trip and writing nothing (a form's first
 * answer waits on it on Discord): the person's last template and their review choice; for someone
 * never seen, no template and the column's default (false).
 */
export async function formPrefillOf(
  db: Db,
  identity: Pick<UserIdentity, 'platform' | 'teamId' | 'platformUserId'>,
): Promise<{ template: string | undefined; review: boolean }> {
  const { rows } = await db.query<{ template: string | null; review: boolean }>(
    `SELECT u.review_research AS review,
            (SELECT body FROM templates t WHERE t.user_id = u.id ORDER BY last_used_at DESC LIMIT 1) AS template
       FROM users u
      WHERE u.platform = $1 AND u.team_id = $2 AND u.platform_user_id = $3`,
    [identity.platform, identity.teamId, identity.platformUserId],
  );
  const row = rows[0];
  return { template: row?.template ?? undefined, review: row?.review ?? false };
}
