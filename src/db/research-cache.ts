/**
 * The `research_cache` table: research (steps 2–3 outputs) for one recipient, reused within a TTL.
 * Values are opaque JSON here; `src/jobs/` adapts this table to the pipeline's `ResearchCache` port
 * (the database layer knows nothing of the pipeline).
 */
import type { Db } from './pool.ts';

/** The cached value when younger than `maxAgeMs`, else undefined. */
export async function getCachedResearch(db: Db, key: string, maxAgeMs: number): Promise<unknown> {
  const { rows } = await db.query<{ value: unknown }>(
    `SELECT value FROM research_cache
     WHERE key = $1 AND created_at > now() - make_interval(secs => $2::double precision / 1000)`,
    [key, maxAgeMs],
  );
  return rows[0]?.value;
}

export async function putCachedResearch(db: Db, key: string, value: unknown, recipientKey?: string): Promise<void> {
  await db.query(
    `INSERT INTO research_cache (key, value, recipient_key) VALUES ($1, $2, $3)
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, recipient_key = EXCLUDED.recipient_key, created_at = now()`,
    [key, JSON.stringify(value), recipientKey ?? null],
  );
}

/** Whether research for this recipient (any template) was cached less than `maxAgeMs` ago. */
export async function hasCachedResearchFor(db: Db, recipientKey: string, maxAgeMs: number): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT 1 FROM research_cache
     WHERE recipient_key = $1 AND created_at > now() - make_interval(secs => $2::double precision / 1000)
     LIMIT 1`,
    [recipientKey, maxAgeMs],
  );
  return rows.length > 0;
}
