/**
 * The `generations` table: one email request, its inputs, where it lives in the chat, each step's
 * saved output and its outcome. The saved steps are parsed with the pipeline's record schemas as
 * rows are read, so callers get typed records and never a cast.
 */
import { IdentityHintSchema } from '../pipeline/identity/schema.ts';
import { parseStepRecords, type InvalidStepRecord } from '../pipeline/records.ts';
import { parseGenerationUsage, type GenerationUsage } from '../pipeline/usage.ts';
import type { IdentityHint, StepName, StepRecord, StepRecords } from '../pipeline/types.ts';
import { named, type Db, type Statement } from './pool.ts';
import type { Platform } from './users.ts';

export type GenerationStatus =
  | 'queued'
  | 'running'
  | 'succeeded'
  | 'failed'
  | 'cancelled'
  | 'awaiting_review'
  /** "Which Jun Li?" asked (issue 20, migration 009): waits for the person's choice, no job held. */
  | 'awaiting_identity';

/** Statuses that wait for the person, not for a worker: a review, or the answer to "Which …?". */
export const AWAITING: readonly GenerationStatus[] = ['awaiting_review', 'awaiting_identity'];

/** Statuses a generation can still move on from by itself (a worker holds or will take it). */
export const UNSETTLED: readonly GenerationStatus[] = ['queued', 'running'];

export interface Generation {
  id: string;
  userId: string;
  /** The asker's id on the platform (users.platform_user_id): Slack streams to them in a channel. */
  platformUserId?: string | undefined;
  parentId: string | null;
  /** The batch this generation is one recipient of (migration 004); null for a single request. */
  batchId: string | null;
  version: number;
  platform: Platform;
  teamId: string;
  channelId: string | null;
  threadId: string | null;
  progressMessageId: string | null;
  resultMessageIds: string[];
  resultPostingAt: Date | null;
  template: string;
  recipientName: string;
  recipientInterest: string;
  instruction: string | null;
  /** Who the person asking means (migration 007); null: no hint, or a stored one that does not parse. */
  identityHint: IdentityHint | null;
  status: GenerationStatus;
  currentStep: string | null;
  /** Per step name: its saved record. Records that did not parse are left out (that step is redone). */
  steps: StepRecords;
  /** Saved step records that did not parse, and why: for the reader to log. Usually empty. */
  invalidSteps: InvalidStepRecord[];
  email: string | null;
  sources: unknown;
  error: string | null;
  attempts: number;
  /** The action that made this version ('regenerate', 'fresh', 'edit', …); null for a first version. */
  action: string | null;
  /** Research cache bypassed and replaced. */
  freshResearch: boolean;
  /** Stop after steps 1–3 for the person to review the research. */
  reviewResearch: boolean;
  cancelledBy: string | null;
  /** For a failed row: whether trying again can help (null: not known, an older row). */
  failureRetryable: boolean | null;
  editedBy: string | null;
  /** What its LLM and Exa calls used, per step, over every try (src/pipeline/usage.ts). */
  usage: GenerationUsage;
  /** That usage priced when it was recorded, in USD. */
  costUsd: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const COLUMNS = `id, user_id AS "userId", parent_id AS "parentId", batch_id AS "batchId", version, platform, team_id AS "teamId",
  channel_id AS "channelId", thread_id AS "threadId", progress_message_id AS "progressMessageId",
  result_message_ids AS "resultMessageIds", result_posting_at AS "resultPostingAt", template,
  recipient_name AS "recipientName", recipient_interest AS "recipientInterest", instruction,
  identity_hint AS "identityHint", status,
  current_step AS "currentStep", steps, email, sources, error, attempts, action, fresh_research AS "freshResearch",
  review_research AS "reviewResearch", cancelled_by AS "cancelledBy",
  failure_retryable AS "failureRetryable", edited_by AS "editedBy", usage, cost_usd AS "costUsd",
  created_at AS "createdAt",
  started_at AS "startedAt", finished_at AS "finishedAt",
  (SELECT u.platform_user_id FROM users u WHERE u.id = generations.user_id) AS "platformUserId"`;

export interface NewGeneration {
  /** Reserved by the caller before it posted (a button on the first message carries it); default: a new one. */
  id?: string | undefined;
  userId: string;
  parentId?: string | null | undefined;
  version?: number | undefined;
  platform: Platform;
  teamId: string;
  channelId?: string | null | undefined;
  threadId?: string | null | undefined;
  progressMessageId?: string | null | undefined;
  template: string;
  recipientName: string;
  recipientInterest: string;
  instruction?: string | null | undefined;
  identityHint?: IdentityHint | null | undefined;
  steps?: StepRecords | undefined;
  action?: string | null | undefined;
  freshResearch?: boolean | undefined;
  reviewResearch?: boolean | undefined;
  /** An edited version is born finished: status succeeded with its email. */
  edited?: { by: string; email: string; sources: unknown } | undefined;
  /** Messages already posted for it (an edited version is posted before its row is written). */
  resultMessageIds?: readonly string[] | undefined;
}

/** A row as Postgres returns it: `steps` is whatever JSON the column holds. */
type GenerationRow = Omit<Generation, 'steps' | 'invalidSteps' | 'usage' | 'costUsd' | 'identityHint'> & {
  steps: unknown;
  identityHint: unknown;
  usage: unknown;
  /** numeric arrives as a string. */
  costUsd: string;
};

function toGeneration(row: GenerationRow): Generation {
  const { steps, invalid } = parseStepRecords(row.steps);
  const hint = row.identityHint === null ? undefined : IdentityHintSchema.safeParse(row.identityHint);
  return {
    ...row,
    steps,
    invalidSteps: invalid,
    identityHint: hint?.success ? hint.data : null,
    usage: parseGenerationUsage(row.usage),
    costUsd: Number(row.costUsd),
  };
}

/** `insertGeneration`'s statement: prepared (one for every start; 0.46 ms of its 0.73 was parse and plan). */
const INSERT_GENERATION: Statement = {
  name: 'scribe_insert_generation',
  text: `INSERT INTO generations (id, result_message_ids, user_id, parent_id, version, platform, team_id, channel_id,
       thread_id, progress_message_id, template, recipient_name, recipient_interest, instruction, steps,
       action, fresh_research, review_research, edited_by, email, sources, identity_hint, status, finished_at)
     VALUES (coalesce($20::uuid, gen_random_uuid()), $21, $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,
       $14, $15, $16, $17, $18, $19, $22,
       CASE WHEN $17::uuid IS NULL THEN 'queued' ELSE 'succeeded' END,
       CASE WHEN $17::uuid IS NULL THEN NULL ELSE now() END)
     RETURNING ${COLUMNS}`,
};

export async function insertGeneration(db: Db, g: NewGeneration): Promise<Generation> {
  const { rows } = await db.query<GenerationRow>(
    named(INSERT_GENERATION, [
      g.userId,
      g.parentId ?? null,
      g.version ?? 1,
      g.platform,
      g.teamId,
      g.channelId ?? null,
      g.threadId ?? null,
      g.progressMessageId ?? null,
      g.template,
      g.recipientName,
      g.recipientInterest,
      g.instruction ?? null,
      JSON.stringify(g.steps ?? {}),
      g.action ?? null,
      g.freshResearch ?? false,
      g.reviewResearch ?? false,
      g.edited?.by ?? null,
      g.edited?.email ?? null,
      g.edited ? JSON.stringify(g.edited.sources) : null,
      g.id ?? null,
      g.resultMessageIds ?? [],
      g.identityHint ? JSON.stringify(g.identityHint) : null,
    ]),
  );
  return toGeneration(rows[0]!);
}

/** `getGeneration`'s statement: prepared (the worker and the queue board read rows by id all day). */
const GET_GENERATION: Statement = {
  name: 'scribe_get_generation',
  text: `SELECT ${COLUMNS} FROM generations WHERE id = $1`,
};

export async function getGeneration(db: Db, id: string): Promise<Generation | undefined> {
  const { rows } = await db.query<GenerationRow>(named(GET_GENERATION, [id]));
  return rows[0] && toGeneration(rows[0]);
}

/** A worker took the job: count the attempt. Returns the row as it now is. */
export async function markRunning(db: Db, id: string): Promise<Generation | undefined> {
  const { rows } = await db.query<GenerationRow>(
    `UPDATE generations
     SET status = 'running', attempts = attempts + 1, started_at = coalesce(started_at, now()), updated_at = now()
     WHERE id = $1 AND status IN ('queued', 'running')
     RETURNING ${COLUMNS}`,
    [id],
  );
  return rows[0] && toGeneration(rows[0]);
}

/**
 * Saves one step's record. Atomic per step (jsonb_set on the stored value), so two steps finishing
 * at the same moment (research and arXiv run concurrently) do not overwrite each other.
 */
export async function saveStep(db: Db, id: string, step: StepName, record: StepRecord): Promise<void> {
  await db.query(
    `UPDATE generations SET steps = jsonb_set(steps, ARRAY[$2::text], $3::jsonb), current_step = $2, updated_at = now()
     WHERE id = $1`,
    [id, step, JSON.stringify(record)],
  );
}

/**
 * Recorded before the result is posted: a retry that finds it without message ids looks for its own
 * post. Only while the row is `running`: false when it was cancelled meanwhile (then nothing is
 * posted). A cancel checks `result_posting_at` in the same way, so exactly one of the two wins.
 */
export async function markPosting(db: Db, id: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE generations SET result_posting_at = coalesce(result_posting_at, now()), updated_at = now()
     WHERE id = $1 AND status = 'running'`,
    [id],
  );
  return (rowCount ?? 0) > 0;
}

/** The row's status alone: the worker's check between steps (a cancel NOTIFY can be lost). */
export async function statusOf(db: Db, id: string): Promise<GenerationStatus | undefined> {
  const { rows } = await db.query<{ status: GenerationStatus }>('SELECT status FROM generations WHERE id = $1', [id]);
  return rows[0]?.status;
}

export async function saveResultMessages(db: Db, id: string, messageIds: readonly string[]): Promise<void> {
  await db.query('UPDATE generations SET result_message_ids = $2, updated_at = now() WHERE id = $1', [id, messageIds]);
}

export async function markSucceeded(db: Db, id: string, result: { email: string; sources: unknown }): Promise<void> {
  await db.query(
    `UPDATE generations SET status = 'succeeded', email = $2, sources = $3, error = NULL, current_step = NULL,
       finished_at = now(), updated_at = now()
     WHERE id = $1`,
    [id, result.email, JSON.stringify(result.sources)],
  );
}

export async function markFailed(db: Db, id: string, error: string, retryable?: boolean): Promise<void> {
  // Not over a cancel: the person stopped it, and that is what the row says.
  await db.query(
    `UPDATE generations SET status = 'failed', error = $2, finished_at = now(), updated_at = now(),
       failure_retryable = $3
     WHERE id = $1 AND status <> 'cancelled'`,
    [id, error, retryable ?? null],
  );
}

/**
 * Marks a generation failed only if it is still unsettled (`queued` or `running`); returns the row
 * when this call did it. Conditional, so two sweepers (one per worker) settle a row only once and
 * never overwrite a row that a worker settled meanwhile.
 */
export async function failUnsettled(db: Db, id: string, error: string): Promise<Generation | undefined> {
  const { rows } = await db.query<GenerationRow>(
    `UPDATE generations SET status = 'failed', error = $2, current_step = NULL, finished_at = now(), updated_at = now()
     WHERE id = $1 AND status IN ('queued', 'running')
     RETURNING ${COLUMNS}`,
    [id, error],
  );
  return rows[0] && toGeneration(rows[0]);
}

/** The generation whose result includes this message (reactions and buttons). */
export async function findByResultMessage(
  db: Db,
  platform: Platform,
  messageId: string,
): Promise<Generation | undefined> {
  const { rows } = await db.query<GenerationRow>(
    `SELECT ${COLUMNS} FROM generations WHERE platform = $1 AND result_message_ids @> ARRAY[$2::text]
     ORDER BY created_at DESC LIMIT 1`,
    [platform, messageId],
  );
  return rows[0] && toGeneration(rows[0]);
}

/**
 * A child of `parentId` with the same instruction created within the last `withinMs` (database
 * time): the guard against starting the same regeneration twice.
 */
export async function findRecentChild(
  db: Db,
  parentId: string,
  instruction: string | null,
  withinMs: number,
  action?: string | null,
): Promise<Generation | undefined> {
  // `action` undefined: any action (callers from before actions were recorded); else that action,
  // or one recorded before actions were (NULL), so a new Fresh research is not a Regenerate.
  const { rows } = await db.query<GenerationRow>(
    `SELECT ${COLUMNS} FROM generations
     WHERE parent_id = $1 AND instruction IS NOT DISTINCT FROM $2 AND created_at > now() - $3 * interval '1 millisecond'
       AND ($4::text IS NULL OR action IS NULL OR action = $4)
     ORDER BY created_at DESC LIMIT 1`,
    [parentId, instruction, withinMs, action ?? null],
  );
  return rows[0] && toGeneration(rows[0]);
}

/** A user's latest generations, newest first. */
export async function recentGenerations(db: Db, userId: string, limit = 10): Promise<Generation[]> {
  const { rows } = await db.query<GenerationRow>(
    `SELECT ${COLUMNS} FROM generations WHERE user_id = $1 ORDER BY created_at DESC LIMIT $2`,
    [userId, limit],
  );
  return rows.map(toGeneration);
}

/** The highest version in a regeneration chain's thread (for "Version 3"). */
export async function latestVersionInThread(
  db: Db,
  platform: Platform,
  channelId: string,
  threadId: string,
): Promise<number> {
  const { rows } = await db.query<{ v: number | null }>(
    'SELECT max(version) AS v FROM generations WHERE platform = $1 AND channel_id = $2 AND thread_id = $3',
    [platform, channelId, threadId],
  );
  return rows[0]?.v ?? 0;
}

/**
 * Generations counted against a person's daily quota since the start of the UTC day. A Discord
 * person is one quota across every guild (anyone can add the bot to more servers, and their user
 * id is global); elsewhere the person is their row (platform + workspace + user).
 */
/**
 * The quota's count as an SQL expression: a person's generations and follow-up drafts today, in one
 * round trip. `userParam` is the placeholder of their row's id (`$1`). The person is matched by
 * platform and user id, per workspace except on Discord (one person across guilds).
 */
export function usedTodaySql(userParam: string): string {
  return `((SELECT count(*)::int FROM generations g
     JOIN users u ON u.id = g.user_id
     JOIN users me ON me.id = ${userParam}
     WHERE u.platform = me.platform AND u.platform_user_id = me.platform_user_id
       AND (me.platform = 'discord' OR u.team_id = me.team_id)
       -- A generation cancelled before any billed call gives its slot back (one cancelled after
       -- its research was paid for does not: review, read, cancel would be free research); an
       -- edit costs no model call, so no slot.
       AND (g.status <> 'cancelled' OR g.usage <> '{}'::jsonb) AND g.edited_by IS NULL
       AND g.created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC')
   -- A follow-up draft posted today is a model call like an email: one slot (migration 011).
   + (SELECT count(*)::int FROM outreach o
     JOIN users u ON u.id = o.user_id
     JOIN users me ON me.id = ${userParam}
     WHERE u.platform = me.platform AND u.platform_user_id = me.platform_user_id
       AND (me.platform = 'discord' OR u.team_id = me.team_id)
       AND o.follow_up_posted_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'))`;
}

export async function countTodayForQuota(db: Db, userId: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT ${usedTodaySql('$1')} AS n`, [userId]);
  return rows[0]?.n ?? 0;
}

/**
 * Cancels a generation that has not posted its email: queued, running, or waiting for a review or
 * for the answer to "Which …?".
 * Returns the row when this call cancelled it; undefined when it was settled already (by the
 * worker posting the email, or by an earlier cancel), so two cancels settle it once.
 */
export async function cancelUnposted(db: Db, id: string, byUserId: string | null): Promise<Generation | undefined> {
  const { rows } = await db.query<GenerationRow>(
    `UPDATE generations SET status = 'cancelled', cancelled_by = $2, current_step = NULL, finished_at = now(),
       updated_at = now()
     WHERE id = $1 AND status IN ('queued', 'running', 'awaiting_review', 'awaiting_identity')
       AND result_posting_at IS NULL
     RETURNING ${COLUMNS}`,
    [id, byUserId],
  );
  return rows[0] && toGeneration(rows[0]);
}

/**
 * A failed generation back to `queued` (Retry), keeping its saved steps so the worker resumes after
 * the last one. Only from `failed`: returns undefined when another click got there first.
 */
export async function requeueFailed(db: Db, id: string): Promise<Generation | undefined> {
  const { rows } = await db.query<GenerationRow>(
    `UPDATE generations SET status = 'queued', error = NULL, finished_at = NULL, updated_at = now()
     WHERE id = $1 AND status = 'failed'
     RETURNING ${COLUMNS}`,
    [id],
  );
  return rows[0] && toGeneration(rows[0]);
}

/** The worker stopped after steps 1–3 for the person to review the research (only while running). */
export async function markAwaitingReview(db: Db, id: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE generations SET status = 'awaiting_review', current_step = NULL, updated_at = now()
     WHERE id = $1 AND status = 'running'`,
    [id],
  );
  return (rowCount ?? 0) > 0;
}

/**
 * "Write the email": back to `queued` with the review done (the worker then runs step 4 only).
 * Only from `awaiting_review`: returns undefined when another click got there first.
 */
export async function resumeAfterReview(db: Db, id: string): Promise<Generation | undefined> {
  const { rows } = await db.query<GenerationRow>(
    `UPDATE generations SET status = 'queued', review_research = false, updated_at = now()
     WHERE id = $1 AND status = 'awaiting_review'
     RETURNING ${COLUMNS}`,
    [id],
  );
  return rows[0] && toGeneration(rows[0]);
}

/**
 * Replaces the research summary of a generation waiting for its review ("Edit research"); the
 * composer then writes from it. Only while `awaiting_review`: false when the email is under way.
 */
export async function saveResearchSummary(db: Db, id: string, summary: string): Promise<Generation | undefined> {
  const { rows } = await db.query<GenerationRow>(
    `UPDATE generations SET steps = jsonb_set(steps, '{research,output,summary}', to_jsonb($2::text)), updated_at = now()
     WHERE id = $1 AND status = 'awaiting_review' AND steps #> '{research,output}' IS NOT NULL
     RETURNING ${COLUMNS}`,
    [id, summary],
  );
  return rows[0] && toGeneration(rows[0]);
}

/** The worker stopped to ask "Which …?" (issue 20); only while running: a cancel that came first wins. */
export async function markAwaitingIdentity(db: Db, id: string): Promise<boolean> {
  const { rowCount } = await db.query(
    `UPDATE generations SET status = 'awaiting_identity', current_step = NULL, updated_at = now()
     WHERE id = $1 AND status = 'running'`,
    [id],
  );
  return (rowCount ?? 0) > 0;
}

/**
 * The answer to "Which …?": `identity` (the saved record with the choice applied, `chooseIdentity`)
 * replaces `steps.identity`, and the row goes back to `queued`. Only from `awaiting_identity`:
 * undefined when another click got there first (the lock makes the second wait and find it moved).
 */
export async function saveIdentityChoice(
  db: Db,
  id: string,
  identity: StepRecord<'identity'>,
): Promise<Generation | undefined> {
  const { rows } = await db.query<GenerationRow>(
    `UPDATE generations SET steps = jsonb_set(steps, '{identity}', $2::jsonb), status = 'queued', updated_at = now()
     WHERE id = $1 AND status = 'awaiting_identity'
     RETURNING ${COLUMNS}`,
    [id, JSON.stringify(identity)],
  );
  return rows[0] && toGeneration(rows[0]);
}
