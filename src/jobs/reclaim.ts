/**
 * Fast recovery of a generation whose worker died, without ever letting two workers act on it.
 *
 * pg-boss alone takes ~90 s: the job's heartbeat must go stale (heartbeatSeconds), its supervisor
 * must notice (monitor interval), and the failed job then waits out the retry backoff (30–60 s)
 * like any failure. A worker that died did not fail because a service was down, so waiting helps
 * nobody. The reclaimer, run by every worker, finds jobs whose heartbeat is stale and hands them
 * out again at once: it fails the dead attempt through pg-boss (fenced to that attempt, so a
 * retry count and the dead-letter rule apply as usual) and moves the retry's start to now (with
 * NOTIFY, so an idle worker wakes). A job this process is itself running is never reclaimed.
 *
 * Stale is not dead: a worker that was paused (SIGSTOP, a swapping Pi) wakes up still running the
 * handler after another worker took the job over. pg-boss fences its own settle calls to the
 * attempt, and aborts the job's signal at the next heartbeat, but the handler would carry on and
 * post a second result before that. So the worker's reporter is fenced too (`fenceReporter`): before
 * anything reaches the thread it checks that this attempt still holds the job (same id, `active`,
 * same retry count; every claim increments the count) and drops progress or refuses the result
 * otherwise. The attempt is known through an AsyncLocalStorage set around each handler call by
 * `trackClaims`, so the worker's handler needs no knowledge of it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { PgBoss } from 'pg-boss';
import type { Db } from '../db/pool.ts';
import { ErrorCode, RetryableError } from '../errors.ts';
import type { Logger } from '../log.ts';
import { BOSS_SCHEMA, QUEUES } from './queue.ts';
import type { ThreadReporter } from '../thread/reporter.ts';

/** One attempt at one job: what pg-boss fences its settle calls to. */
interface Attempt {
  id: string;
  retryCount: number;
  signal?: AbortSignal | undefined;
}

/** Marks why a job was failed, so the pull-forward finds it (pg-boss's supervisor writes its own). */
const RECLAIMED_OUTPUT = { error: 'the worker running this job stopped answering', code: 'worker_lost' } as const;
const PG_BOSS_HEARTBEAT_MESSAGE = 'job heartbeat timeout';

export interface Claims {
  /** `boss` with `work()` handlers wrapped, so each call knows the attempt it runs. */
  boss: PgBoss;
  /** Job ids this process is running now (never reclaimed by it). */
  inHand(): ReadonlySet<string>;
  /** True while the attempt running the calling code still holds its job (true outside a handler). */
  holds(): Promise<boolean>;
}

/** Wraps `boss.work` so every handler runs with its attempt in an AsyncLocalStorage. */
export function trackClaims(boss: PgBoss, db: Db): Claims {
  const current = new AsyncLocalStorage<Attempt | undefined>();
  const inHand = new Map<string, number>();
  type Handler = (jobs: Attempt[]) => Promise<unknown>;
  const work = (name: string, ...rest: unknown[]) => {
    const handler = rest.pop() as Handler;
    const wrapped: Handler = async (jobs) => {
      for (const job of jobs) inHand.set(job.id, job.retryCount);
      try {
        // With batchSize 1 (Scribe's) the attempt is unambiguous; a batch runs unfenced.
        const attempt = jobs.length === 1 ? jobs[0] : undefined;
        return await current.run(attempt, () => handler(jobs));
      } finally {
        for (const job of jobs) if (inHand.get(job.id) === job.retryCount) inHand.delete(job.id);
      }
    };
    // `work` is overloaded (with and without options); the arguments pass through as given.
    return (boss.work as (...args: unknown[]) => Promise<string>)(name, ...rest, wrapped);
  };
  const proxied = new Proxy(boss, {
    get(target, prop) {
      if (prop === 'work') return work;
      const value: unknown = Reflect.get(target, prop, target);
      // PgBoss keeps private (#) fields: its methods must run on the real object, not the proxy.
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
  return {
    boss: proxied,
    inHand: () => new Set(inHand.keys()),
    async holds() {
      const attempt = current.getStore();
      if (!attempt) return true;
      if (attempt.signal?.aborted) return false; // pg-boss's heartbeat found the claim gone
      const { rowCount } = await db.query(
        `SELECT 1 FROM ${BOSS_SCHEMA}.job WHERE name = $1 AND id = $2 AND state = 'active' AND retry_count = $3`,
        [QUEUES.generate, attempt.id, attempt.retryCount],
      );
      return rowCount === 1;
    },
  };
}

/**
 * A reporter that says nothing for an attempt that lost its job: progress and failures are dropped,
 * and a result is refused with a retryable error (the handler then gives the job back, and pg-boss
 * ignores that give-back because it is fenced to the lost attempt; nothing is marked failed).
 */
export function fenceReporter(reporter: ThreadReporter, claims: Pick<Claims, 'holds'>, logger: Logger): ThreadReporter {
  const lost = (what: string, generationId: string) =>
    logger.warn(
      { event: 'claim.lost', generationId, what },
      'this worker lost its claim on the job (another worker took it over); not reporting',
    );
  const fenced: ThreadReporter = {
    async progress(address, view) {
      if (await claims.holds()) return reporter.progress(address, view);
      lost('progress', address.generationId);
    },
    async result(address, view, options) {
      if (await claims.holds()) return reporter.result(address, view, options);
      lost('result', address.generationId);
      throw new RetryableError(
        ErrorCode.ServiceUnavailable,
        'this worker lost its claim on the job; another worker runs it',
      );
    },
    async failed(address, message) {
      if (await claims.holds()) return reporter.failed(address, message);
      lost('failure', address.generationId);
    },
  };
  if (reporter.flush) fenced.flush = (address) => reporter.flush!(address);
  // Every optional call is forwarded too: the worker pauses for a review, or asks "Which …?", only where it can be shown.
  if (reporter.review) {
    const review = reporter.review.bind(reporter);
    fenced.review = async (address, view) => {
      if (await claims.holds()) return review(address, view);
      lost('review', address.generationId);
      throw new RetryableError(
        ErrorCode.ServiceUnavailable,
        'this worker lost its claim on the job; another worker runs it',
      );
    };
  }
  if (reporter.emailText) {
    const emailText = reporter.emailText.bind(reporter);
    fenced.emailText = async (address, text) => {
      if (await claims.holds()) return emailText(address, text);
      lost('streamed email', address.generationId);
    };
  }
  if (reporter.askIdentity) {
    const ask = reporter.askIdentity.bind(reporter);
    fenced.askIdentity = async (address, view) => {
      if (await claims.holds()) return ask(address, view);
      lost('identity question', address.generationId);
      throw new RetryableError(
        ErrorCode.ServiceUnavailable,
        'this worker lost its claim on the job; another worker runs it',
      );
    };
  }
  return fenced;
}

export interface ReclaimerOptions {
  boss: PgBoss;
  db: Db;
  logger: Logger;
  claims: Pick<Claims, 'inHand'>;
  /** How often to look. Default 2 s: with a 10 s heartbeat, a dead worker's job runs again within ~12 s. */
  intervalMs?: number;
}

export interface Reclaimer {
  /** One pass: reclaims what is stale now; resolves with the job ids handed out again. */
  reclaim(): Promise<string[]>;
  stop(): Promise<void>;
}

/** Starts the reclaimer: one pass at once (a restarted service picks up its own dead jobs), then every interval. */
export function startReclaimer(options: ReclaimerOptions): Reclaimer {
  const { boss, db, logger } = options;
  const intervalMs = options.intervalMs ?? 2_000;
  let running: Promise<string[]> | undefined;
  let stopped = false;

  async function pass(): Promise<string[]> {
    const mine = options.claims.inHand();
    const stale = await db.query<{ id: string; retryCount: number }>(
      `SELECT id, retry_count AS "retryCount" FROM ${BOSS_SCHEMA}.job
       WHERE name = $1 AND state = 'active' AND heartbeat_seconds IS NOT NULL
         AND heartbeat_on + heartbeat_seconds * interval '1 second' < now()`,
      [QUEUES.generate],
    );
    for (const job of stale.rows) {
      if (mine.has(job.id)) continue; // our own handler, delayed: pg-boss's heartbeat will say
      // Fenced to the stale attempt: if its worker settled it meanwhile, this does nothing.
      await boss.fail(QUEUES.generate, { id: job.id, retryCount: job.retryCount }, RECLAIMED_OUTPUT);
    }
    // Failed by us or by pg-boss's supervisor for a lost heartbeat: waiting out the backoff helps nobody.
    const waiting = await db.query<{ id: string }>(
      `SELECT id FROM ${BOSS_SCHEMA}.job
       WHERE name = $1 AND state = 'retry' AND start_after > now()
         AND (output->>'code' = $2 OR output->'value'->>'message' = $3)`,
      [QUEUES.generate, RECLAIMED_OUTPUT.code, PG_BOSS_HEARTBEAT_MESSAGE],
    );
    const reclaimed: string[] = [];
    for (const { id } of waiting.rows) {
      const { updated } = await boss.update(QUEUES.generate, undefined, { id, startAfter: new Date() });
      if (updated > 0) reclaimed.push(id);
    }
    if (reclaimed.length > 0)
      logger.info({ jobIds: reclaimed }, 'jobs of a worker that stopped answering are handed out again');
    return reclaimed;
  }

  const reclaim = (): Promise<string[]> => {
    running ??= pass()
      .catch((err: unknown) => {
        logger.warn({ err }, 'could not reclaim the jobs of stopped workers; trying again shortly');
        return [];
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  const timer = setInterval(() => {
    if (!stopped) void reclaim();
  }, intervalMs);
  timer.unref();
  void reclaim();
  return {
    reclaim,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
