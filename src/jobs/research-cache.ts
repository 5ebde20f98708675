/** The pipeline's `ResearchCache` port on the `research_cache` table. */
import { getCachedResearch, hasCachedResearchFor, putCachedResearch } from '../db/research-cache.ts';
import type { Db } from '../db/pool.ts';
import type { ResearchCache } from '../pipeline/ports.ts';
import { CachedResearchSchema } from '../pipeline/records.ts';

export function createResearchCache(db: Db): ResearchCache {
  return {
    // The row is parsed like any other input: one that does not match (an older shape, a row
    // edited by hand) is a miss, and the fresh research that follows replaces it.
    get: async (key, maxAgeMs) => {
      const parsed = CachedResearchSchema.safeParse(await getCachedResearch(db, key, maxAgeMs));
      return parsed.success ? parsed.data : undefined;
    },
    put: (key, value, recipientKey) => putCachedResearch(db, key, value, recipientKey),
    holdsRecipient: (recipientKey, maxAgeMs) => hasCachedResearchFor(db, recipientKey, maxAgeMs),
  };
}
