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

type PrefillIdentity = Pick<UserIdentity, 'platform' | 'teamId' | 'platformUserId'>;

/**
 * What the `/scribe` form opens with, for several people in one round trip, writing nothing (a
 * form's first answer waits on it on Discord): each person's last template and review choice, in
 * the order asked; for someone never seen, no template and the column's default (false).
 */
export async function formPrefillsOf(
  db: Db,
  identities: readonly PrefillIdentity[],
): Promise<{ template: string | undefined; review: boolean }[]> {
  const { rows } = await db.query<{ n: string; template: string | null; review: boolean | null }>(
    `SELECT i.n, u.review_research AS review,
            (SELECT body FROM templates t WHERE t.user_id = u.id ORDER BY last_used_at DESC LIMIT 1) AS template
       FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS i(platform, team_id, platform_user_id, n)
       LEFT JOIN users u
         ON u.platform = i.platform AND u.team_id = i.team_id AND u.platform_user_id = i.platform_user_id`,
    [identities.map((i) => i.platform), identities.map((i) => i.teamId), identities.map((i) => i.platformUserId)],
  );
  const byIndex = new Map(rows.map((r) => [Number(r.n), r]));
  return identities.map((_, i) => {
    const row = byIndex.get(i + 1);
    return { template: row?.template ?? undefined, review: row?.review ?? false };
  });
}
