/**
 * What a person reads for themselves only, on any platform: `/scribe history`, `/scribe status`,
 * an email to copy, the form's prefill. The reads and their figures live here; each adapter words
 * and formats them (src/bots/shared/outcomes.ts, with the platform's style).
 */
import type { PgBoss } from 'pg-boss';
import type { Db } from '../db/pool.ts';
import { feedbackOf, type FeedbackValue } from '../db/feedback.ts';
import { getGeneration, recentGenerations, type Generation } from '../db/generations.ts';
import { formPrefillsOf, type NamedTemplateEntry } from '../db/templates.ts';
import { TEMPLATES_MAX } from './templates.ts';
import { spendToday } from '../db/usage.ts';
import { upsertUser, type UserIdentity } from '../db/users.ts';
import { QUEUES } from '../jobs/queue.ts';
import type { Logger } from '../log.ts';
import { checkPlace } from './checks.ts';
import { remainingQuota } from './commit/start.ts';
import { sentMarks, type Outreach } from './outreach.ts';

/** How many emails `/scribe history` lists. */
export const HISTORY_LENGTH = 10;

/** One line of the history: a version, with the person's own 👍 / 👎 on it (null: none) and its sent mark (issue 22) when the person marked it. */
export type HistoryEntry = Generation & { feedback: FeedbackValue | null; sent?: Outreach | undefined };

/** The person's last emails, newest first, each with their feedback and its sent mark. */
export async function readHistory(db: Db, identity: UserIdentity): Promise<HistoryEntry[]> {
  const user = await upsertUser(db, identity);
  const rows = await recentGenerations(db, user.id, HISTORY_LENGTH);
  const marks = await sentMarks(
    db,
    user.id,
    rows.map((g) => g.id),
  );
  const feedback = await feedbackOf(
    db,
    user.id,
    rows.map((g) => g.id),
  );
  return rows.map((g) => ({ ...g, feedback: feedback.get(g.id) ?? null, sent: marks.get(g.id) }));
}

export interface StatusFigures {
  /** "3 waiting, 1 being written", or "not set up yet". */
  waiting: string;
  /** Live workers on the generate queue; undefined when the registry could not be read. */
  workers: number | undefined;
  left: number;
  quota: number;
  /** USD spent today (UTC): by the person, and by their workspace or guild. */
  spent: { user: number; workspace: number };
  /** SCRIBE_DAILY_BUDGET_USD; undefined: none. */
  budgetUsd: number | undefined;
}

/** Queue depth, live workers and the person's remaining quota and spend, read at once. */
export async function readStatus(
  deps: { pool: Db; boss: PgBoss; dailyQuota: number; dailyBudgetUsd?: number | undefined; logger: Logger },
  identity: UserIdentity,
): Promise<StatusFigures> {
  const user = await upsertUser(deps.pool, identity);
  const userId = user.id;
  const [queue, workers, left, spent] = await Promise.all([
    deps.boss.getQueue(QUEUES.generate),
    deps.boss.getInstances().then(
      (instances) => instances.filter((i) => i.live && i.workers.some((w) => w.queue === QUEUES.generate)).length,
      (err: unknown) => {
        deps.logger.warn({ err }, 'could not read the pg-boss instance registry');
        return undefined;
      },
    ),
    remainingQuota(deps.pool, userId, deps.dailyQuota),
    spendToday(deps.pool, { userId, platform: user.platform, teamId: user.teamId }),
  ]);
  const waiting = queue ? `${queue.queuedCount} waiting, ${queue.activeCount} being written` : 'not set up yet';
  return { waiting, workers, left, quota: deps.dailyQuota, spent, budgetUsd: deps.dailyBudgetUsd };
}

/** What a Copy button asks for: the email, from the message it was pressed on. */
export interface CopyQuery {
  generationId: string;
  actor: Pick<UserIdentity, 'platform' | 'teamId'>;
  /** The result message the button was on. */
  messageId: string;
}

/**
 * The email's text for a Copy, under the same team and message rule as every action (`checkPlace`):
 * a forged value must not show another workspace's email. Undefined: nothing to copy.
 */
export async function readCopy(db: Db, query: CopyQuery): Promise<string | undefined> {
  const parent = await getGeneration(db, query.generationId);
  const misplaced = checkPlace({
    parent,
    platform: query.actor.platform,
    actorTeamId: query.actor.teamId,
    messageId: query.messageId,
    on: 'result',
  });
  return misplaced ? undefined : (parent?.email ?? undefined);
}

/** What the `/scribe` form opens with: the person's last template and their review choice. */
export interface FormPrefill {
  template: string | undefined;
  review: boolean;
  /** The person's saved (named) templates, offered by the form. */
  templates: NamedTemplateEntry[];
}

/**
 * The form's prefill (see src/bots/shared/form-prefill.ts for the deadline the forms load it
 * within): one read, no write — the person's row is made when they start something.
 */
export function readFormPrefill(db: Db, identity: UserIdentity): Promise<FormPrefill> {
  // Reads asked for in the same turn of the event loop (a burst of commands) share one query.
  let batch = prefillBatches.get(db);
  if (!batch) {
    const pending: PrefillBatch = { asked: [] };
    batch = pending;
    prefillBatches.set(db, pending);
    setImmediate(() => {
      prefillBatches.delete(db);
      formPrefillsOf(
        db,
        pending.asked.map((a) => a.identity),
        TEMPLATES_MAX,
      ).then(
        (prefills) => {
          for (const [i, a] of pending.asked.entries()) a.resolve(prefills[i]!);
        },
        (err: unknown) => {
          for (const a of pending.asked) a.reject(err);
        },
      );
    });
  }
  const asked = batch.asked;
  return new Promise((resolve, reject) => asked.push({ identity, resolve, reject }));
}

/** Form prefills waiting for the next turn of the loop, per database. */
interface PrefillBatch {
  asked: { identity: UserIdentity; resolve: (p: FormPrefill) => void; reject: (err: unknown) => void }[];
}
const prefillBatches = new WeakMap<Db, PrefillBatch>();
