/** The pipeline's `ResearchCache` port on the `research_cache` table. */
import { getCachedResearch, putCachedResearch } from '../db/research-cache.ts';
import type { Db } from '../db/pool.ts';
import type { CachedResearch, ResearchCache } from '../pipeline/ports.ts';

export function createResearchCache(db: Db): ResearchCache {
  return {
    // Values are what `put` stored: JSON we wrote ourselves.
    get: async (key, maxAgeMs) => (await getCachedResearch(db, key, maxAgeMs)) as CachedResearch | undefined,
    put: (key, value) => putCachedResearch(db, key, value),
  };
}
