-- Cost tracking (issue 13): what each generation used and cost, and workspaces paused after an
-- Anthropic spend limit.

-- Per step: { llm: { <model>: { calls, inputTokens, outputTokens, cacheCreationInputTokens,
-- cacheReadInputTokens } }, exaSearches }. Added to on every try (src/pipeline/usage.ts).
ALTER TABLE generations ADD COLUMN usage jsonb NOT NULL DEFAULT '{}'::jsonb;
-- The usage priced when it was recorded (USD), so today's spend is a plain sum and a later price
-- change does not rewrite what was spent.
ALTER TABLE generations ADD COLUMN cost_usd numeric(12, 6) NOT NULL DEFAULT 0;
-- Today's spend per workspace (SCRIBE_DAILY_BUDGET_USD, /scribe status).
CREATE INDEX generations_team_created ON generations (platform, team_id, created_at);

-- A workspace whose generations hit the Anthropic spend limit: new ones are refused until `until`.
CREATE TABLE spend_pauses (
  platform   text NOT NULL,
  team_id    text NOT NULL,
  until      timestamptz NOT NULL,
  reason     text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (platform, team_id)
);
