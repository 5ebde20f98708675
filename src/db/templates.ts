/** The `templates` table: a user's templates; the last one used prefills the modal. */
import type { Db } from './pool.ts';

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
