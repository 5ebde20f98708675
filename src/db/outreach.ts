/**
 * The `outreach` table (migration 010): the emails a person marked as sent, and `start_drafts`:
 * what they typed when warned they had already emailed that person (*Write anyway* starts it).
 */
import type { Db } from './pool.ts';

export type FollowUpState = 'none' | 'scheduled' | 'replied' | 'cancelled' | 'posted';

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
  const { rows } = await db.query<Outreach>(
    `SELECT ${COLUMNS} FROM outreach
     WHERE user_id = $1 AND name_key = $2 AND (identity IS NOT NULL OR interest_key = $3)
     ORDER BY sent_at DESC LIMIT 1`,
    [userId, nameKey, interestKey],
  );
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
