-- Scribe's own schema (design.md section 5). pg-boss keeps its own schema, `pgboss`.

CREATE TABLE users (
  id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  platform         text NOT NULL CHECK (platform IN ('slack', 'discord', 'cli')),
  -- Slack team id or Discord guild id; '' where there is none (a DM, the CLI).
  team_id          text NOT NULL DEFAULT '',
  platform_user_id text NOT NULL,
  display_name     text,
  is_admin         boolean NOT NULL DEFAULT false,
  generation_count integer NOT NULL DEFAULT 0,
  created_at       timestamptz NOT NULL DEFAULT now(),
  UNIQUE (platform, team_id, platform_user_id)
);

CREATE TABLE templates (
  id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  body         text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  last_used_at timestamptz NOT NULL DEFAULT now()
);
-- The same template saved twice is one row whose last_used_at moves.
CREATE UNIQUE INDEX templates_user_body ON templates (user_id, md5(body));
CREATE INDEX templates_user_last_used ON templates (user_id, last_used_at DESC);

CREATE TABLE generations (
  id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id             uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  parent_id           uuid REFERENCES generations (id) ON DELETE SET NULL,
  version             integer NOT NULL DEFAULT 1,
  -- Where the conversation lives. For Slack: team, channel, thread ts, message ts.
  platform            text NOT NULL CHECK (platform IN ('slack', 'discord', 'cli')),
  team_id             text NOT NULL DEFAULT '',
  channel_id          text,
  thread_id           text,
  progress_message_id text,
  -- A long email is posted as several messages; a reaction on any of them regenerates.
  result_message_ids  text[] NOT NULL DEFAULT '{}',
  -- Set before the result is posted, so a retry knows a post may already exist (design.md section 3).
  result_posting_at   timestamptz,
  template            text NOT NULL,
  recipient_name      text NOT NULL,
  recipient_interest  text NOT NULL,
  instruction         text,
  status              text NOT NULL DEFAULT 'queued'
                      CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  current_step        text,
  -- Per step: { status, output, durationMs, warnings, finishedAt, reused }.
  steps               jsonb NOT NULL DEFAULT '{}'::jsonb,
  email               text,
  sources             jsonb,
  error               text,
  attempts            integer NOT NULL DEFAULT 0,
  created_at          timestamptz NOT NULL DEFAULT now(),
  started_at          timestamptz,
  finished_at         timestamptz,
  updated_at          timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX generations_user_created ON generations (user_id, created_at DESC);
CREATE INDEX generations_parent ON generations (parent_id) WHERE parent_id IS NOT NULL;
-- Reactions and buttons find their generation by the message they were on.
CREATE INDEX generations_result_messages ON generations USING gin (result_message_ids);

CREATE TABLE research_cache (
  -- sha256 of (normalised recipient name, normalised interest, template type).
  key        text PRIMARY KEY,
  value      jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
