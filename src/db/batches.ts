/**
 * The `batches` table (migration 004): one request for many recipients. Its rows are ordinary
 * generations with `batch_id` set; the batch holds where its parent message (the table) lives.
 */
import { parseStepRecords } from '../pipeline/records.ts';
import type { StepRecord } from '../pipeline/types.ts';
import type { Db } from './pool.ts';
import type { GenerationStatus } from './generations.ts';
import type { Platform } from './users.ts';

export interface Batch {
  id: string;
  userId: string;
  platform: Platform;
  teamId: string;
  channelId: string | null;
  threadId: string | null;
  parentMessageId: string | null;
  size: number;
  createdAt: Date;
  cancelledAt: Date | null;
}

const COLUMNS = `id, user_id AS "userId", platform, team_id AS "teamId", channel_id AS "channelId",
  thread_id AS "threadId", parent_message_id AS "parentMessageId", size, created_at AS "createdAt",
  cancelled_at AS "cancelledAt"`;

export interface NewBatch {
  /** Chosen by the caller when the parent message must name the batch before it exists (its buttons). */
  id?: string | undefined;
  userId: string;
  platform: Platform;
  teamId: string;
  channelId?: string | null | undefined;
  threadId?: string | null | undefined;
  parentMessageId?: string | null | undefined;
  size: number;
}

export async function insertBatch(db: Db, b: NewBatch): Promise<Batch> {
  const { rows } = await db.query<Batch>(
    `INSERT INTO batches (id, user_id, platform, team_id, channel_id, thread_id, parent_message_id, size)
     VALUES (coalesce($8::uuid, gen_random_uuid()), $1, $2, $3, $4, $5, $6, $7) RETURNING ${COLUMNS}`,
    [
      b.userId,
      b.platform,
      b.teamId,
      b.channelId ?? null,
      b.threadId ?? null,
      b.parentMessageId ?? null,
      b.size,
      b.id ?? null,
    ],
  );
  return rows[0]!;
}

export async function getBatch(db: Db, id: string): Promise<Batch | undefined> {
  const { rows } = await db.query<Batch>(`SELECT ${COLUMNS} FROM batches WHERE id = $1`, [id]);
  return rows[0];
}

/** One recipient of a batch as its table shows it. */
export interface BatchRow {
  generationId: string;
  recipientName: string;
  status: GenerationStatus;
  startedAt: Date | null;
  finishedAt: Date | null;
  error: string | null;
  /** When the person had last emailed this recipient, as the batch started (migration 010); null: never. */
  contactedAt?: Date | null | undefined;
}

/** A batch's rows in the order they were given (insertion order). */
export async function batchRows(db: Db, batchId: string): Promise<BatchRow[]> {
  const { rows } = await db.query<BatchRow>(
    `SELECT id AS "generationId", recipient_name AS "recipientName", status, started_at AS "startedAt",
       finished_at AS "finishedAt", error, contacted_at AS "contactedAt"
     FROM generations WHERE batch_id = $1 AND parent_id IS NULL ORDER BY batch_position`,
    [batchId],
  );
  return rows;
}

/** Flags a batch row whose recipient was emailed before (issue 22): its table row says so. */
export async function flagContacted(db: Db, generationId: string, contactedAt: Date): Promise<void> {
  await db.query('UPDATE generations SET contacted_at = $2 WHERE id = $1', [generationId, contactedAt]);
}

/** Makes a just-inserted generation row `position` (0-based) of a batch. */
export async function attachToBatch(db: Db, generationId: string, batchId: string, position: number): Promise<void> {
  await db.query('UPDATE generations SET batch_id = $2, batch_position = $3 WHERE id = $1', [
    generationId,
    batchId,
    position,
  ]);
}

/** The batch a generation belongs to, if any (cheap: the worker asks once per generation). */
export async function batchIdOf(db: Db, generationId: string): Promise<string | null> {
  const { rows } = await db.query<{ batchId: string | null }>(
    'SELECT batch_id AS "batchId" FROM generations WHERE id = $1',
    [generationId],
  );
  return rows[0]?.batchId ?? null;
}

/**
 * Cancels a batch: marks it, and every row still `queued` (or waiting for "Which …?", which no
 * worker holds) becomes `cancelled` — conditionally, so a row a worker has just taken (`running`)
 * is left to finish. Returns the ids of the rows cancelled.
 */
export async function cancelBatchRows(db: Db, batchId: string): Promise<string[]> {
  await db.query('UPDATE batches SET cancelled_at = coalesce(cancelled_at, now()), updated_at = now() WHERE id = $1', [
    batchId,
  ]);
  const { rows } = await db.query<{ id: string }>(
    `UPDATE generations SET status = 'cancelled', finished_at = now(), updated_at = now(),
       error = CASE WHEN status = 'queued' THEN 'Cancelled before it started'
                    ELSE 'Cancelled while waiting for the choice of person' END
     WHERE batch_id = $1 AND status IN ('queued', 'awaiting_identity') RETURNING id`,
    [batchId],
  );
  return rows.map((r) => r.id);
}

/** A batch row's place in its batch (1-based) and the batch's size; undefined for other rows. */
export async function batchPlaceOf(
  db: Db,
  generationId: string,
): Promise<{ position: number; size: number } | undefined> {
  const { rows } = await db.query<{ position: number; size: number }>(
    `SELECT g.batch_position + 1 AS position, b.size
     FROM generations g JOIN batches b ON b.id = g.batch_id WHERE g.id = $1 AND g.batch_position IS NOT NULL`,
    [generationId],
  );
  return rows[0];
}

/**
 * The template's reading saved by another row of the same batch with the same template (the
 * first by position), so a batch parses its template once; undefined when none has one yet.
 */
export async function batchParseOf(db: Db, generationId: string): Promise<StepRecord<'parse'> | undefined> {
  const { rows } = await db.query<{ parse: unknown }>(
    `SELECT o.steps -> 'parse' AS parse
     FROM generations g JOIN generations o ON o.batch_id = g.batch_id AND o.id <> g.id AND o.template = g.template
     WHERE g.id = $1 AND o.steps -> 'parse' ->> 'status' = 'done'
     ORDER BY o.batch_position LIMIT 1`,
    [generationId],
  );
  if (!rows[0]) return undefined;
  return parseStepRecords({ parse: rows[0].parse }).steps.parse;
}
