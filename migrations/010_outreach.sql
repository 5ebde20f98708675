-- Outreach memory (issue 22, item 3): which emails a person marked as sent, to whom, when, and
-- which version. One row per (person, email version): pressing *Mark as sent* twice is a no-op;
-- *Not sent* deletes the row. `recipient_key` is who was contacted: the identity step's confirmed
-- OpenAlex id (`openalex:A…`) or ORCID (`orcid:…`) when there is one, else `name:<normalised
-- name>|<normalised interest>`; `name_key` and `interest_key` are kept to match a new request,
-- which knows no identity yet.
CREATE TABLE outreach (
  id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  generation_id   uuid NOT NULL REFERENCES generations (id) ON DELETE CASCADE,
  recipient_name  text NOT NULL,
  recipient_interest text NOT NULL,
  recipient_key   text NOT NULL,
  identity        text,
  name_key        text NOT NULL,
  interest_key    text NOT NULL,
  version         integer NOT NULL,
  sent_at         timestamptz NOT NULL DEFAULT now(),
  -- The follow-up (item 4): none | scheduled | replied | cancelled | posted.
  follow_up       text NOT NULL DEFAULT 'none',
  follow_up_at    timestamptz,
  UNIQUE (user_id, generation_id)
);
CREATE INDEX outreach_user_name ON outreach (user_id, name_key, sent_at DESC);

-- What a person typed when Scribe warned them they had already emailed that person: *Write anyway*
-- starts it from here, exactly as typed. Rows older than a day are of no use and are deleted as
-- new ones are saved.
CREATE TABLE start_drafts (
  id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  request     jsonb NOT NULL,
  options     jsonb NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- A batch row whose recipient the person had already emailed when the batch started: the table
-- says "already emailed on …" beside it (the row is written all the same).
ALTER TABLE generations ADD COLUMN contacted_at timestamptz;
