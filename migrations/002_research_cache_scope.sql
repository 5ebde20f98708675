-- Research cache keys are now scoped by platform and team/guild and include the search terms
-- (key version "v2", src/pipeline/research-cache-key.ts). The unscoped "v1" rows can never be
-- looked up again, and were shared across workspaces: drop them rather than let them linger.
DELETE FROM research_cache;

COMMENT ON COLUMN research_cache.key IS
  'sha256 of ("v2", platform, team/guild id or user, normalised recipient name, interest, template type, sorted normalised search terms)';
