/**
 * The `outreach` table (migration 010): the emails a person marked as sent, and `start_drafts`:
 * what they typed when warned they had already emailed that person (*Write anyway* starts it).
 */
import { named, type Db, type Statement } from './pool.ts';

/**
 * The follow-up reminder (item 4, migration 011): none → scheduled → posted (the draft is in the
 * thread), held (due, but the quota or budget refused it: the thread says so), replied or cancelled.
 */
export type FollowUpState = 'none' | 'scheduled' | 'replied' | 'cancelled' | 'posted' | 'held';

export interface Outreach {
  id: string;
  userId: string;
  generationId: string;
  recipientName: string;
  recipientInterest: string;
  recipientKey: string;
  /** `openalex:A…` or `orcid:…` when the identity step confirmed who it is; null otherwise. */
  identity: string | null;
  version: number;
  sentAt: Date;
  followUp: FollowUpState;
  followUpAt: Date | null;
}

const COLUMNS = `id, user_id AS "userId", generation_id AS "generationId", recipient_name AS "recipientName",
  recipient_interest AS "recipientInterest", recipient_key AS "recipientKey", identity, version,
  sent_at AS "sentAt", follow_up AS "followUp", follow_up_at AS "followUpAt"`;

export interface NewOutreach {
  userId: string;
  generationId: string;
  recipientName: string;
  recipientInterest: string;
  recipientKey: string;
  identity: string | null;
  nameKey: string;
  interestKey: string;
  version: number;
}

/** Records a sent email; `inserted` false when that email was marked already (the row as it is). */
export async function insertOutreach(db: Db, o: NewOutreach): Promise<{ row: Outreach; inserted: boolean }> {
  const { rows } = await db.query<Outreach>(
    `INSERT INTO outreach (user_id, generation_id, recipient_name, recipient_interest, recipient_key, identity,
       name_key, interest_key, version)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     ON CONFLICT (user_id, generation_id) DO NOTHING
     RETURNING ${COLUMNS}`,
    [
      o.userId,
      o.generationId,
      o.recipientName,
      o.recipientInterest,
      o.recipientKey,
      o.identity,
      o.nameKey,
      o.interestKey,
      o.version,
    ],
  );
  if (rows[0]) return { row: rows[0], inserted: true };
  const existing = await outreachOf(db, o.userId, o.generationId);
  if (!existing) throw new Error('outreach row vanished between insert and read');
  return { row: existing, inserted: false };
}

export async function outreachOf(db: Db, userId: string, generationId: string): Promise<Outreach | undefined> {
  const { rows } = await db.query<Outreach>(
    `SELECT ${COLUMNS} FROM outreach WHERE user_id = $1 AND generation_id = $2`,
    [userId, generationId],
  );
  return rows[0];
}

/** Takes a mark back (*Not sent*); the row deleted, or undefined when there was none. */
export async function deleteOutreach(db: Db, userId: string, generationId: string): Promise<Outreach | undefined> {
  const { rows } = await db.query<Outreach>(
    `DELETE FROM outreach WHERE user_id = $1 AND generation_id = $2 RETURNING ${COLUMNS}`,
    [userId, generationId],
  );
  return rows[0];
}

/** `findContacted`'s statement: prepared (every start reads it, before anything is posted). */
const FIND_CONTACTED: Statement = {
  name: 'scribe_find_contacted',
  text: `SELECT ${COLUMNS} FROM outreach
     WHERE user_id = $1 AND name_key = $2 AND (identity IS NOT NULL OR interest_key = $3)
     ORDER BY sent_at DESC LIMIT 1`,
};

/**
 * The newest email this person sent to someone of that (normalised) name: the same person when
 * the record's identity was confirmed, else only with the same (normalised) interest.
 */
export async function findContacted(
  db: Db,
  userId: string,
  nameKey: string,
  interestKey: string,
): Promise<Outreach | undefined> {
  const { rows } = await db.query<Outreach>(named(FIND_CONTACTED, [userId, nameKey, interestKey]));
  return rows[0];
}

/** Every email the person marked as sent, newest first (the export). */
export async function listOutreach(db: Db, userId: string): Promise<Outreach[]> {
  const { rows } = await db.query<Outreach>(
    `SELECT ${COLUMNS} FROM outreach WHERE user_id = $1 ORDER BY sent_at DESC, id`,
    [userId],
  );
  return rows;
}

/** The marks of these emails (history's sent / not sent), by generation id. */
export async function outreachByGeneration(
  db: Db,
  userId: string,
  generationIds: readonly string[],
): Promise<Map<string, Outreach>> {
  if (!generationIds.length) return new Map();
  const { rows } = await db.query<Outreach>(
    `SELECT ${COLUMNS} FROM outreach WHERE user_id = $1 AND generation_id = ANY($2::uuid[])`,
    [userId, generationIds],
  );
  return new Map(rows.map((r) => [r.generationId, r]));
}

/** Saves what was typed for *Write anyway*; drafts older than a day are dropped on the way. */
export async function saveStartDraft(db: Db, userId: string, request: unknown, options: unknown): Promise<string> {
  await db.query(`DELETE FROM start_drafts WHERE created_at < now() - interval '1 day'`);
  const { rows } = await db.query<{ id: string }>(
    'INSERT INTO start_drafts (user_id, request, options) VALUES ($1, $2, $3) RETURNING id',
    [userId, JSON.stringify(request), JSON.stringify(options ?? {})],
  );
  return rows[0]!.id;
}

/** Takes a saved draft (once: it is deleted); only its owner's. */
export async function takeStartDraft(
  db: Db,
  userId: string,
  id: string,
): Promise<{ request: unknown; options: unknown } | undefined> {
  const { rows } = await db.query<{ request: unknown; options: unknown }>(
    'DELETE FROM start_drafts WHERE id = $1 AND user_id = $2 RETURNING request, options',
    [id, userId],
  );
  return rows[0];
}

/**
 * *Remind me*: the reminder is set for `days` from now, unless one is set already or was posted.
 * Answers the row when this call set it, undefined otherwise (the row as it is: `outreachOf`).
 */
export async function scheduleFollowUp(
  db: Db,
  userId: string,
  generationId: string,
  days: number,
): Promise<Outreach | undefined> {
  const { rows } = await db.query<Outreach>(
    // Milliseconds, as a JS Date (the job's `dueAt`) holds it: the claim compares the two exactly.
    `UPDATE outreach SET follow_up = 'scheduled',
       follow_up_at = date_trunc('milliseconds', now() + make_interval(secs => $3::float8 * 86400))
     WHERE user_id = $1 AND generation_id = $2 AND follow_up IN ('none', 'cancelled', 'replied')
     RETURNING ${COLUMNS}`,
    [userId, generationId, days],
  );
  return rows[0];
}

/** *Got a reply* (`replied`) or *Cancel reminder* (`cancelled`): only a reminder still waiting changes. */
export async function stopFollowUp(
  db: Db,
  userId: string,
  generationId: string,
  to: 'replied' | 'cancelled',
): Promise<Outreach | undefined> {
  const { rows } = await db.query<Outreach>(
    `UPDATE outreach SET follow_up = $3 WHERE user_id = $1 AND generation_id = $2 AND follow_up = 'scheduled'
     RETURNING ${COLUMNS}`,
    [userId, generationId, to],
  );
  return rows[0];
}

/**
 * The worker's claim on a due reminder: only the reminder this job was sent for (its due time), and
 * only while it is still scheduled, so it fires once — a second job, a redelivery after a restart,
 * or one sent before a *Cancel reminder* and a new *Remind me* finds nothing to claim.
 */
export async function claimFollowUp(db: Db, outreachId: string, dueAt: Date): Promise<Outreach | undefined> {
  const { rows } = await db.query<Outreach>(
    `UPDATE outreach SET follow_up = 'posted', follow_up_posted_at = now()
     WHERE id = $1 AND follow_up = 'scheduled' AND follow_up_at = $2
     RETURNING ${COLUMNS}`,
    [outreachId, dueAt],
  );
  return rows[0];
}

/** The claimed reminder was held by the quota or the budget: it takes no slot. */
export async function holdFollowUp(db: Db, outreachId: string): Promise<void> {
  await db.query(`UPDATE outreach SET follow_up = 'held', follow_up_posted_at = NULL WHERE id = $1`, [outreachId]);
}

/** The posted draft and what it cost; the cost goes to the spend ledger under the email. */
export async function saveFollowUp(db: Db, outreachId: string, text: string, usd: number): Promise<void> {
  await db.query(
    `WITH o AS (UPDATE outreach SET follow_up_text = $2, follow_up_usd = $3 WHERE id = $1 RETURNING generation_id)
     INSERT INTO spend (generation_id, user_id, platform, team_id, usd)
     SELECT g.id, g.user_id, g.platform, g.team_id, $3 FROM generations g JOIN o ON o.generation_id = g.id
     WHERE $3::numeric > 0`,
    [outreachId, text, usd],
  );
}

/** The state of one reminder (the worker's "it changed, stop quietly" log). */
export async function followUpStateOf(db: Db, outreachId: string): Promise<FollowUpState | undefined> {
  const { rows } = await db.query<{ s: FollowUpState }>('SELECT follow_up AS s FROM outreach WHERE id = $1', [
    outreachId,
  ]);
  return rows[0]?.s;
}
