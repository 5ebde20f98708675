-- The sender's details for the template's sender slots (issue 21, item 3): `/scribe profile`.
-- A table of its own rather than columns on `users`: most people have none, the row is written only
-- from the profile form, and `upsertUser` (run on every request) stays as it is. One per users row,
-- so a Discord person sets it per guild, like their templates.
CREATE TABLE sender_profiles (
  user_id     uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  name        text,
  position    text,
  institution text,
  work        text,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
