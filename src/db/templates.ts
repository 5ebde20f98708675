/**
 * The `templates` table: a user's templates, unique per body (md5); the last one used prefills the
 * modal. Some carry a name (migration 013), unique per user regardless of case: those are the
 * person's saved templates, offered in the forms and listed by `/scribe templates`.
 */
import { named, type Db, type Statement } from './pool.ts';
import type { UserIdentity } from './users.ts';

/** `saveTemplate`'s statement: prepared (every start runs it). */
const SAVE_TEMPLATE: Statement = {
  name: 'scribe_save_template',
  text: `INSERT INTO templates (user_id, body) VALUES ($1, $2)
     ON CONFLICT (user_id, md5(body)) DO UPDATE SET last_used_at = now()`,
};

/** Saves a template (or marks an identical saved one as just used). */
export async function saveTemplate(db: Db, userId: string, body: string): Promise<void> {
  await db.query(named(SAVE_TEMPLATE, [userId, body]));
}

export async function lastTemplate(db: Db, userId: string): Promise<string | undefined> {
  const { rows } = await db.query<{ body: string }>(
    'SELECT body FROM templates WHERE user_id = $1 ORDER BY last_used_at DESC LIMIT 1',
    [userId],
  );
  return rows[0]?.body;
}

/** A named template as listed: no body, its length. */
export interface NamedTemplateEntry {
  id: string;
  name: string;
  length: number;
  lastUsedAt: Date;
}

/** A named template with its body. */
export interface NamedTemplate extends NamedTemplateEntry {
  body: string;
}

interface Row {
  id: string;
  name: string;
  length: number;
  last_used_at: Date;
  body?: string;
}

const entryOf = (row: Row): NamedTemplateEntry => ({
  id: row.id,
  name: row.name,
  length: row.length,
  lastUsedAt: row.last_used_at,
});

/** The user's named templates, by name, at most `limit`. */
export async function listNamedTemplates(db: Db, userId: string, limit: number): Promise<NamedTemplateEntry[]> {
  const { rows } = await db.query<Row>(
    `SELECT id, name, char_length(body) AS length, last_used_at FROM templates
     WHERE user_id = $1 AND name IS NOT NULL ORDER BY lower(name), id LIMIT $2`,
    [userId, limit],
  );
  return rows.map(entryOf);
}

/** One of the user's named templates by id (someone else's, or an unnamed one, is undefined). */
export async function getNamedTemplate(db: Db, userId: string, id: string): Promise<NamedTemplate | undefined> {
  const { rows } = await db.query<Row & { body: string }>(
    `SELECT id, name, body, char_length(body) AS length, last_used_at FROM templates
     WHERE user_id = $1 AND id = $2 AND name IS NOT NULL`,
    [userId, id],
  );
  const row = rows[0];
  return row ? { ...entryOf(row), body: row.body } : undefined;
}

/** The user's template named `name` (any case), if any. */
export async function findTemplateByName(
  db: Db,
  userId: string,
  name: string,
): Promise<NamedTemplateEntry | undefined> {
  const { rows } = await db.query<Row>(
    `SELECT id, name, char_length(body) AS length, last_used_at FROM templates
     WHERE user_id = $1 AND lower(name) = lower($2)`,
    [userId, name],
  );
  return rows[0] ? entryOf(rows[0]) : undefined;
}

/**
 * Names `body` `name` on `tx` (a transaction): the name moves off any other template of the user
 * that held it, and the body's row is created or named. Returns the named row's id.
 */
export async function nameTemplate(tx: Db, userId: string, name: string, body: string): Promise<string> {
  await tx.query(
    `UPDATE templates SET name = NULL
     WHERE user_id = $1 AND lower(name) = lower($2) AND md5(body) <> md5($3)`,
    [userId, name, body],
  );
  const { rows } = await tx.query<{ id: string }>(
    `INSERT INTO templates (user_id, body, name) VALUES ($1, $3, $2)
     ON CONFLICT (user_id, md5(body)) DO UPDATE SET name = EXCLUDED.name
     RETURNING id`,
    [userId, name, body],
  );
  return rows[0]!.id;
}

/** Forgets the name of the user's template `id` (the row stays, unnamed, as history); false when none. */
export async function unnameTemplate(db: Db, userId: string, id: string): Promise<boolean> {
  const { rowCount } = await db.query(
    'UPDATE templates SET name = NULL WHERE user_id = $1 AND id = $2 AND name IS NOT NULL',
    [userId, id],
  );
  return (rowCount ?? 0) > 0;
}

/** Deletes the user's template `id` outright; false when there was none. */
export async function deleteTemplate(db: Db, userId: string, id: string): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM templates WHERE user_id = $1 AND id = $2', [userId, id]);
  return (rowCount ?? 0) > 0;
}

type PrefillIdentity = Pick<UserIdentity, 'platform' | 'teamId' | 'platformUserId'>;

/** `formPrefillsOf`'s statement: prepared (a form's first answer waits on it on Discord; 0.6 ms of its 0.7 was parse and plan). */
const FORM_PREFILLS: Statement = {
  name: 'scribe_form_prefills',
  text: `SELECT i.n, u.review_research AS review,
          (SELECT body FROM templates t WHERE t.user_id = u.id ORDER BY last_used_at DESC LIMIT 1) AS template,
          (SELECT json_agg(json_build_object('id', n.id, 'name', n.name, 'length', char_length(n.body),
                                             'last_used_at', n.last_used_at) ORDER BY lower(n.name), n.id)
             FROM (SELECT * FROM templates t WHERE t.user_id = u.id AND t.name IS NOT NULL
                   ORDER BY lower(t.name), t.id LIMIT $4) n) AS named
     FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS i(platform, team_id, platform_user_id, n)
     LEFT JOIN users u
       ON u.platform = i.platform AND u.team_id = i.team_id AND u.platform_user_id = i.platform_user_id`,
};

/**
 * What the `/scribe` form opens with, for several people in one round trip, writing nothing (a
 * form's first answer waits on it on Discord): each person's last template and review choice, in
 * the order asked; for someone never seen, no template and the column's default (false).
 */
export async function formPrefillsOf(
  db: Db,
  identities: readonly PrefillIdentity[],
  namedLimit: number,
): Promise<{ template: string | undefined; review: boolean; templates: NamedTemplateEntry[] }[]> {
  const { rows } = await db.query<{ n: string; template: string | null; review: boolean | null; named: Row[] | null }>(
    named(FORM_PREFILLS, [
      identities.map((i) => i.platform),
      identities.map((i) => i.teamId),
      identities.map((i) => i.platformUserId),
      namedLimit,
    ]),
  );
  const byIndex = new Map(rows.map((r) => [Number(r.n), r]));
  return identities.map((_, i) => {
    const row = byIndex.get(i + 1);
    return {
      template: row?.template ?? undefined,
      review: row?.review ?? false,
      // JSON carries the time as text.
      templates: (row?.named ?? []).map((r) => entryOf({ ...r, last_used_at: new Date(r.last_used_at) })),
    };
  });
}
