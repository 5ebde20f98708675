-- Batches (issue 12): one request for many recipients. Each recipient is an ordinary generation
-- row with `batch_id` set; the batch row holds where its parent (progress table) message lives.
CREATE TABLE batches (
  id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id           uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  platform          text NOT NULL CHECK (platform IN ('slack', 'discord', 'cli')),
  team_id           text NOT NULL DEFAULT '',
  channel_id        text,
  -- The thread the emails are posted in (Slack: the parent's ts; Discord: the thread's id).
  thread_id         text,
  -- The parent message holding the table, edited as rows finish.
  parent_message_id text,
  size              integer NOT NULL CHECK (size > 0),
  created_at        timestamptz NOT NULL DEFAULT now(),
  cancelled_at      timestamptz,
  updated_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX batches_user_created ON batches (user_id, created_at DESC);

ALTER TABLE generations ADD COLUMN IF NOT EXISTS batch_id uuid REFERENCES batches (id) ON DELETE SET NULL;
-- The row's place in the batch as given (its rows share one created_at: one transaction).
ALTER TABLE generations ADD COLUMN IF NOT EXISTS batch_position integer;
CREATE INDEX IF NOT EXISTS generations_batch ON generations (batch_id) WHERE batch_id IS NOT NULL;

-- `cancelled` (Cancel batch) comes with 003_steering's status constraint.
