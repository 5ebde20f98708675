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

export async function putCachedResearch(db: Db, key: string, value: unknown): Promise<void> {
  await db.query(
    `INSERT INTO research_cache (key, value) VALUES ($1, $2)
     ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, created_at = now()`,
    [key, JSON.stringify(value)],
  );
}
