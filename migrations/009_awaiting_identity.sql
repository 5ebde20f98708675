-- Issue 20: "Which Jun Li?" — a generation whose recipient matches several profiles too closely
-- stops with status awaiting_identity until the person says which one (or "None of these"). The
-- candidates, the pages read and arXiv's answer stay on steps.identity; nothing else is needed.

ALTER TABLE generations DROP CONSTRAINT IF EXISTS generations_status_check;
ALTER TABLE generations ADD CONSTRAINT generations_status_check
  CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'cancelled', 'awaiting_review', 'awaiting_identity'));
