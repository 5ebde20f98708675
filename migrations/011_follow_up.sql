-- Follow-up reminders (issue 22, item 4). `outreach.follow_up` (migration 010) goes
-- none → scheduled → posted | held | replied | cancelled; `follow_up_at` is when it is due, and
-- the job carries that time, so a reminder cancelled and set again fires once, from its newest job.
-- A posted follow-up is a model call like an email: it takes a slot of the person's daily quota
-- (counted from `follow_up_posted_at`) and its cost goes to the spend ledger under the email.
ALTER TABLE outreach
  ADD COLUMN follow_up_posted_at timestamptz,
  ADD COLUMN follow_up_usd numeric(12, 6),
  ADD COLUMN follow_up_text text;
CREATE INDEX outreach_follow_up_posted ON outreach (user_id, follow_up_posted_at)
  WHERE follow_up_posted_at IS NOT NULL;
