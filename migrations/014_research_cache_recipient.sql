-- The recipient a cached research is for, whatever the template (issue 24, item 1): a generation
-- starts its background search while its template is still being parsed, unless research for the
-- same recipient in the same scope is cached and young enough that the run will probably reuse it
-- (the full key needs the parsed template's type and search terms). Rows from before have none,
-- so they never hold the search back.
ALTER TABLE research_cache ADD COLUMN recipient_key text;
CREATE INDEX research_cache_recipient ON research_cache (recipient_key, created_at) WHERE recipient_key IS NOT NULL;

COMMENT ON COLUMN research_cache.recipient_key IS
  'sha256 of ("r1", platform, team/guild id or user, normalised recipient name, interest, identity hint)';
