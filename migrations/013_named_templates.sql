-- Named templates (issue 23, item 4): several per user, picked in the /scribe form and managed by
-- `/scribe templates`. A name is optional (rows saved before, and every template a form runs, stay
-- unnamed) and unique per user where set; the body stays unique per user (md5), so naming a body
-- already saved names that row.
ALTER TABLE templates ADD COLUMN name text;
CREATE UNIQUE INDEX templates_user_name ON templates (user_id, lower(name)) WHERE name IS NOT NULL;
