/**
 * pg-boss on Scribe's database, and the policy of the `scribe.generate` queue.
 *
 * pg-boss gets a small pool of its own (not the app's): its LISTEN/NOTIFY wake-up needs a
 * session-pinned connection that only its built-in pool provides, and that wake-up is what lets a
 * job start within ~100 ms of being sent instead of after the next poll.
 */
import { PgBoss, type Queue } from 'pg-boss';
import type { Logger } from '../log.ts';

export const QUEUES = {
  generate: 'scribe.generate',
  /** Jobs that failed after their last retry land here, payload intact, for inspection or redrive. */
  generateDead: 'scribe.generate.dead',
  /** Follow-up reminders (issue 22, item 4): one job per *Remind me*, `startAfter` its due time. */
  followUp: 'scribe.follow-up',
} as const;

/** What a follow-up job carries: the outreach row and the due time it was sent for. */
export interface FollowUpJob {
  outreachId: string;
  /** ISO time; the worker claims the reminder only while it is still due at exactly this time. */
  dueAt: string;
}

export const BOSS_SCHEMA = 'pgboss';

/** What one generation job carries: the id (Postgres is the single source of truth), and its trace. */
export interface GenerateJob {
  generationId: string;
  /** W3C trace context of the request that queued it, so the worker continues its trace. */
  traceparent?: string | undefined;
}

/**
 * The generate queue's policy.
 * - `exclusive`: at most one queued-or-active job per singletonKey (= generationId), so a second
 *   send for the same generation is refused. Under `standard` a singletonKey alone does not
 *   deduplicate.
 * - 3 retries with exponential backoff from `retryDelaySeconds` (30 s → ~30–60 s, ~60–120 s, …),
 *   capped; after the last one the job goes to the dead-letter queue.
 * - heartbeat: pg-boss refreshes it while the handler runs (every heartbeatSeconds / 2); a worker
 *   that died stops refreshing, and after heartbeatSeconds (10 s, the least pg-boss allows) every
 *   other worker's reclaimer (reclaim.ts) hands the job out again at once, without the backoff.
 *   Expiry is the backstop for a living worker stuck on one job.
 */
export function generateQueuePolicy(options: Partial<GenerateQueueTuning> = {}): Omit<Queue, 'name'> {
  const tuning = { ...DEFAULT_TUNING, ...options };
  return {
    policy: 'exclusive',
    retryLimit: tuning.retryLimit,
    retryDelay: tuning.retryDelaySeconds,
    retryBackoff: true,
    retryDelayMax: tuning.retryDelayMaxSeconds,
    expireInSeconds: tuning.expireInSeconds,
    heartbeatSeconds: tuning.heartbeatSeconds,
    deadLetter: QUEUES.generateDead,
    notify: true,
    // Keep finished jobs a week for `/scribe status` and debugging; the generations table is the record.
    deleteAfterSeconds: 7 * 24 * 3600,
  };
}

/**
 * How a worker polls. NOTIFY wakes it the moment a job is sent; polling is the backstop, and also
 * what picks up a retry once its backoff delay has passed (no NOTIFY is sent for those). pg-boss's
 * default backstop with NOTIFY on is 30 s, which would add up to 30 s to every retry.
 */
export const WORKER_POLLING = {
  pollingIntervalSeconds: 2,
  notifyPollingIntervalSeconds: 5,
} as const;

export interface GenerateQueueTuning {
  retryLimit: number;
  retryDelaySeconds: number;
  retryDelayMaxSeconds: number;
  expireInSeconds: number;
  heartbeatSeconds: number;
}

export const DEFAULT_TUNING = {
  retryLimit: 3,
  retryDelaySeconds: 30,
  retryDelayMaxSeconds: 300,
  expireInSeconds: 20 * 60,
  heartbeatSeconds: 10,
} as const satisfies GenerateQueueTuning;

export interface StartQueueOptions {
  connectionString: string;
  logger: Logger;
  tuning?: Partial<GenerateQueueTuning>;
  /** How often expired/heartbeat-less jobs are found. Default 10 s. */
  monitorIntervalSeconds?: number;
  /** Run maintenance (expiry, retention, dead letters). Bots-only processes may turn it off. */
  supervise?: boolean;
  /** pg-boss job spies, for tests only. */
  enableSpies?: boolean;
  applicationName?: string;
}

export interface JobQueue {
  boss: PgBoss;
  stop(options?: { timeoutMs?: number }): Promise<void>;
}

/** Starts pg-boss (installing or migrating its schema) and creates Scribe's queues. */
export async function startQueue(options: StartQueueOptions): Promise<JobQueue> {
  const { logger } = options;
  const monitor = options.monitorIntervalSeconds ?? 10;
  const boss = new PgBoss({
    connectionString: options.connectionString,
    schema: BOSS_SCHEMA,
    application_name: options.applicationName ?? 'scribe-queue',
    // Its LISTEN connection, a fetch and a settle or heartbeat at a time: 3 (docs/decisions.md).
    max: 3,
    useListenNotify: true,
    supervise: options.supervise ?? true,
    superviseIntervalSeconds: monitor,
    monitorIntervalSeconds: monitor,
    // Scribe schedules nothing; skip the cron machinery.
    schedule: false,
    __test__enableSpies: options.enableSpies ?? false,
  });
  boss.on('error', (err) => logger.error({ err }, 'job queue error'));
  boss.on('warning', (warning) => logger.warn({ warning }, 'job queue warning'));
  await boss.start();
  await ensureQueues(boss, options.tuning);
  return {
    boss,
    async stop({ timeoutMs = 30_000 } = {}) {
      await boss.stop({ graceful: true, timeout: timeoutMs, close: true });
    },
  };
}

/**
 * Creates the queues (pg-boss's createQueue is idempotent and takes an advisory lock, so processes
 * starting together do not clash), then brings the generate queue's settings up to date in case
 * they changed since it was created.
 */
export async function ensureQueues(boss: PgBoss, tuning?: Partial<GenerateQueueTuning>): Promise<void> {
  // The dead-letter queue must exist before a queue can name it.
  await boss.createQueue(QUEUES.generateDead, { retryLimit: 0, deleteAfterSeconds: 30 * 24 * 3600 });
  const policy = generateQueuePolicy(tuning);
  await boss.createQueue(QUEUES.generate, policy);
  // Policy, dead letter and backoff cap are fixed at creation; the rest follows tuning (a queue made
  // with the old 30 s heartbeat gets the 10 s one; jobs carry the heartbeat they were sent with).
  const { policy: _p, deadLetter: _d, retryDelayMax: _m, ...updatable } = policy;
  await boss.updateQueue(QUEUES.generate, updatable);
  // Reminders: `standard` (a reminder set again after a cancel is a second job; the claim on its due
  // time fires only the newest), a few retries for a model that is down, kept a month.
  await boss.createQueue(QUEUES.followUp, {
    policy: 'standard',
    retryLimit: 3,
    retryDelay: 60,
    retryBackoff: true,
    expireInSeconds: 5 * 60,
    deleteAfterSeconds: 30 * 24 * 3600,
  });
}
