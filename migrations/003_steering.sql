-- Issue 11: steering a draft — cancel, edit, retry from the last saved step, fresh research, and
-- a pause for reviewing the research. Old rows keep working: every new column has a default that
-- means "as before".

ALTER TABLE generations DROP CONSTRAINT IF EXISTS generations_status_check;
ALTER TABLE generations ADD CONSTRAINT generations_status_check
  CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'awaiting_review'));

-- Which action made this version ('regenerate', 'shorter', 'fresh', 'edit'); NULL for a first
-- version (and for versions made before this migration). The dedupe rule matches on it.
ALTER TABLE generations ADD COLUMN action text;
-- Research cache bypassed (and replaced) for this generation.
ALTER TABLE generations ADD COLUMN fresh_research boolean NOT NULL DEFAULT false;
-- Stop after steps 1-3 with status awaiting_review until the person says "Write the email".
ALTER TABLE generations ADD COLUMN review_research boolean NOT NULL DEFAULT false;
-- Whether the failure was a passing one (a service down, a timeout): only then is Retry offered.
-- NULL for rows failed before this migration (and swept rows): no Retry button.
ALTER TABLE generations ADD COLUMN failure_retryable boolean;
-- Who cancelled (users.id) and who edited an edited version.
ALTER TABLE generations ADD COLUMN cancelled_by uuid REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE generations ADD COLUMN edited_by uuid REFERENCES users (id) ON DELETE SET NULL;

-- The person's last answer to "Let me review the research first", remembered for the next form.
ALTER TABLE users ADD COLUMN review_research boolean NOT NULL DEFAULT false;
