/**
 * Recovery from a worker that stopped answering (src/jobs/reclaim.ts), with workers as separate
 * processes: a dead worker's job runs again as soon as its heartbeat is stale, not after the retry
 * backoff (set to 2 minutes here, so waiting it out would miss every deadline below), resumed from
 * its last saved step; a paused worker's job is taken over only once its heartbeat is stale, and the
 * paused worker, woken up, posts nothing: exactly one result.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getGeneration } from '../../src/db/generations.ts';
import { BOSS_SCHEMA, QUEUES } from '../../src/jobs/queue.ts';
import type { TestDatabase } from '../helpers/db.ts';
import { postsFor } from '../helpers/recording-reporter.ts';
import type { Services } from '../helpers/services.ts';
import { startWorkerProcesses, type WorkerProcesses } from '../helpers/worker-processes.ts';

/** A long backoff: a job handed out again within seconds was reclaimed, not retried. */
const TUNING = { retryDelaySeconds: 120, retryDelayMaxSeconds: 120, heartbeatSeconds: 10 };
let fx: WorkerProcesses;
let db: TestDatabase;
let services: Services;

beforeAll(async () => {
  fx = await startWorkerProcesses(TUNING);
  ({ db, services } = fx);
});
afterEach(async () => {
  await fx.stopWorkers();
  services.exa.latencyMs = 0;
});
afterAll(() => fx?.close());

const worker = (name: string, extra?: Record<string, string>) => fx.worker(name, extra);
const enqueue = (userId: string) => fx.enqueue(userId);

/** The generation's pg-boss job as the database sees it. */
async function jobOf(generationId: string) {
  const { rows } = await db.pool.query<{
    retryCount: number;
    state: string;
    heartbeatOn: Date;
    heartbeatSeconds: number;
    startedOn: Date;
  }>(
    `SELECT retry_count AS "retryCount", state, heartbeat_on AS "heartbeatOn", heartbeat_seconds AS "heartbeatSeconds", started_on AS "startedOn"
     FROM ${BOSS_SCHEMA}.job WHERE name = $1 AND singleton_key = $2 ORDER BY created_on DESC LIMIT 1`,
    [QUEUES.generate, generationId],
  );
  return rows[0]!;
}

/**
 * Waits until the worker is inside step 2 (research): parse saved, Exa asked (the background
 * search starts with the generation, so Exa is asked before the parse is saved).
 */
async function inResearch(id: string, exaBefore: number) {
  await expect.poll(() => services.exa.requests.length, { timeout: 20_000, interval: 50 }).toBeGreaterThan(exaBefore);
  await expect
    .poll(async () => Object.keys((await getGeneration(db.pool, id))?.steps ?? {}), { timeout: 20_000, interval: 50 })
    .toContain('parse');
}

const parseCalls = () => services.anthropic.callsFor('parsed_template').length;
const results = async (id: string) => (await postsFor(db.pool, id)).filter((p) => p.kind === 'result');

describe('a worker that died mid-job', () => {
  it('has its job resumed by the next worker within seconds, from the last saved step, with one result', async () => {
    services.exa.latencyMs = 5_000;
    const first = await worker('dies');
    const parsesBefore = parseCalls();
    const exaBefore = services.exa.requests.length;
    const id = await enqueue('U-reclaim-dead');
    await inResearch(id, exaBefore);
    first.kill('SIGKILL');
    await first.exited;
    services.exa.latencyMs = 0;

    const up = Date.now();
    await worker('next');
    // Resumed: the new worker marked the row running again (attempt 2).
    await expect
      .poll(async () => (await getGeneration(db.pool, id))?.attempts, { timeout: 40_000, interval: 100 })
      .toBe(2);
    const resumedAfterMs = Date.now() - up;
    // 10 s heartbeat + 1 s reclaim pass, with a generous margin for a loaded machine; the backoff is 120 s.
    expect(resumedAfterMs).toBeLessThan(30_000);
    await expect
      .poll(async () => (await getGeneration(db.pool, id))?.status, { timeout: 30_000, interval: 200 })
      .toBe('succeeded');
    expect(parseCalls() - parsesBefore).toBe(1);
    expect(await results(id)).toHaveLength(1);
  }, 90_000);
});

describe('a worker that was paused mid-job (SIGSTOP)', () => {
  it('is taken over only once its heartbeat is stale, and posts nothing when it wakes: exactly one result', async () => {
    services.exa.latencyMs = 20_000; // long enough to still be in research once the other worker is up, however slow its start
    const paused = await worker('paused');
    const exaBefore = services.exa.requests.length;
    const id = await enqueue('U-reclaim-paused');
    await inResearch(id, exaBefore);
    const other = await worker('other');
    paused.kill('SIGSTOP');
    const before = await jobOf(id);
    expect(before.state).toBe('active');
    services.exa.latencyMs = 0;

    // The other worker takes it: a new claim (retry count up) ...
    await expect
      .poll(async () => (await jobOf(id)).retryCount, { timeout: 40_000, interval: 100 })
      .toBeGreaterThan(before.retryCount);
    const taken = await jobOf(id);
    // ... and not before the paused worker's last heartbeat went stale.
    expect(taken.startedOn.getTime()).toBeGreaterThanOrEqual(
      before.heartbeatOn.getTime() + before.heartbeatSeconds * 1000,
    );
    await expect
      .poll(async () => (await getGeneration(db.pool, id))?.status, { timeout: 30_000, interval: 200 })
      .toBe('succeeded');
    // Its log line may reach us a moment after the row changed: waited for, then counted once.
    await other.waitForEvent({ event: 'generation.succeeded', generationId: id }, 10_000);
    expect(other.events({ event: 'generation.succeeded', generationId: id })).toHaveLength(1);
    const [result] = await results(id);

    // Woken up, the paused worker reports none of its run: either pg-boss's heartbeat aborts its
    // job signal first (the run stops and is handed back), or it finds the row settled by the other
    // worker before posting, or the fence refuses its result.
    paused.kill('SIGCONT');
    // (Unfenced, it would post and log success instead.)
    await paused.waitForEvent(
      [
        { event: 'claim.lost', generationId: id, what: 'result' },
        { event: 'retry.scheduled', generationId: id },
        { event: 'generation.superseded', generationId: id },
        { event: 'generation.succeeded', generationId: id },
      ],
      30_000,
    );
    expect(paused.events({ event: 'generation.succeeded', generationId: id })).toEqual([]);
    expect(paused.events({ event: 'generation.cancelled', generationId: id })).toEqual([]);
    expect(await results(id)).toEqual([result]);
    const row = await getGeneration(db.pool, id);
    expect(row).toMatchObject({ status: 'succeeded', resultMessageIds: [result!.id] });
    const progress = (await postsFor(db.pool, id)).find((p) => p.kind === 'progress');
    expect(progress?.body).toMatchObject({ status: 'succeeded' });
  }, 120_000);
});
