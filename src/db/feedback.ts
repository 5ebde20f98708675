/** The `feedback` table: a person's 👍 / 👎 on one version of an email (migration 012). */
import type { Db } from './pool.ts';

export type FeedbackValue = 'up' | 'down';

/**
 * Sets `userId`'s feedback on the version `generationId`: answers the value it had before (null:
 * none). The same value again changes nothing (not even `changed_at`).
 */
export async function recordFeedback(
  db: Db,
  input: { generationId: string; userId: string; value: FeedbackValue },
): Promise<{ previous: FeedbackValue | null }> {
  // The old value comes from a snapshot taken before the upsert: one statement, no race with itself.
  const { rows } = await db.query<{ previous: FeedbackValue | null }>(
    `WITH before AS (SELECT value FROM feedback WHERE generation_id = $1 AND user_id = $2),
     upsert AS (
       INSERT INTO feedback (generation_id, user_id, value) VALUES ($1, $2, $3)
       ON CONFLICT (generation_id, user_id) DO UPDATE SET value = excluded.value, changed_at = now()
       WHERE feedback.value <> excluded.value
     )
     SELECT (SELECT value FROM before) AS previous`,
    [input.generationId, input.userId, input.value],
  );
  return { previous: rows[0]?.previous ?? null };
}

/** `userId`'s feedback on each of `generationIds` that has any. */
export async function feedbackOf(
  db: Db,
  userId: string,
  generationIds: readonly string[],
): Promise<Map<string, FeedbackValue>> {
  if (!generationIds.length) return new Map();
  const { rows } = await db.query<{ generation_id: string; value: FeedbackValue }>(
    'SELECT generation_id, value FROM feedback WHERE user_id = $1 AND generation_id = ANY($2::uuid[])',
    [userId, generationIds],
  );
  return new Map(rows.map((r) => [r.generation_id, r.value]));
}
