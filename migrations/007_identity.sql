-- Who the person asking means (issue 20): an affiliation, an ORCID iD, an OpenAlex or arXiv author
-- id, a profile URL, as validated by the request layer (validateIdentityHint). NULL: no hint; the
-- identity step then finds the person by name and the evidence alone.
ALTER TABLE generations ADD COLUMN identity_hint jsonb;
