-- 👍 / 👎 on each version of an email (issue 22, item 5): one row per version and person. A press
-- sets the person's value for that version (the other button changes it; the same one again leaves
-- it as it is), so a double click or a redelivered interaction cannot undo what they meant.
CREATE TABLE feedback (
  generation_id uuid NOT NULL REFERENCES generations (id) ON DELETE CASCADE,
  user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  value         text NOT NULL CHECK (value IN ('up', 'down')),
  created_at    timestamptz NOT NULL DEFAULT now(),
  changed_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (generation_id, user_id)
);
-- `/scribe history` reads a person's feedback on their recent versions.
CREATE INDEX feedback_user ON feedback (user_id);
