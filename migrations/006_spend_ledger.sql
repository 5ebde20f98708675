-- Spend counted by when it was spent (issue 18): one row per save of a try's new billed calls, so
-- a Retry today of yesterday's generation counts today, and today's spend is a sum over `at`.
-- `generations.cost_usd` stays the generation's own total (the footer, history).
CREATE TABLE spend (
  id            bigserial PRIMARY KEY,
  generation_id uuid NOT NULL REFERENCES generations (id) ON DELETE CASCADE,
  user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  platform      text NOT NULL,
  team_id       text NOT NULL,
  -- Priced when it was recorded (USD).
  usd           numeric(12, 6) NOT NULL CHECK (usd > 0),
  at            timestamptz NOT NULL DEFAULT now()
);
-- Today's spend per workspace (SCRIBE_DAILY_BUDGET_USD, /scribe status, the worker's check).
CREATE INDEX spend_team_at ON spend (platform, team_id, at);

-- What was spent before the ledger: each generation's total, when its first try started.
INSERT INTO spend (generation_id, user_id, platform, team_id, usd, at)
SELECT id, user_id, platform, team_id, cost_usd, coalesce(started_at, created_at)
FROM generations WHERE cost_usd > 0;

-- The batch estimate: the median cost of the latest first versions that succeeded.
CREATE INDEX generations_first_succeeded ON generations (finished_at)
  WHERE status = 'succeeded' AND parent_id IS NULL AND edited_by IS NULL;
