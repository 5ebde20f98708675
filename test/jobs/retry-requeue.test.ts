/**
 * Retry (and Write the email) send a settled generation's job again. The worker settles the row and
 * posts the button before pg-boss settles the job, so a quick click meets the old job still active:
 * the new job must wait for it rather than be refused by the queue's `exclusive` policy.
 */
import type { QueryResultRow } from 'pg';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { textOf, withTransaction, type Db, type NamedQuery } from '../../src/db/pool.ts';
import { markFailed, markRunning } from '../../src/db/generations.ts';
import { commitRetry } from '../../src/requests/commit/steer.ts';
import { createGeneration } from '../../src/requests/commit/start.ts';
import { QUEUES, type GenerateJob, type JobQueue } from '../../src/jobs/queue.ts';
import type { TestDatabase } from '../helpers/db.ts';
import { openQueueWorld, type QueueWorld } from '../helpers/world.ts';

const TEMPLATE = 'Dear {{name}},\n\nI read your work on {{topic}} and would love to talk.\n\nBest, Sam';

let world: QueueWorld;
let db: TestDatabase;
let queue: JobQueue;

beforeAll(async () => {
  world = await openQueueWorld();
  ({ db, queue } = world);
});

afterAll(() => world?.close());

it('a Retry pressed while pg-boss is still finishing the failed job waits for it, then queues the generation again', async () => {
  const generation = await createGeneration(
    { pool: db.pool, boss: queue.boss, dailyQuota: 10 },
    {
      user: { platform: 'slack', teamId: 'T1', platformUserId: 'U-quick' },
      request: { template: TEMPLATE, recipientName: 'Ada Lovelace', recipientInterest: 'engines' },
    },
  );
  // A worker took the job and settled the row (a passing failure); its handler has not returned yet.
  const [job] = await queue.boss.fetch<GenerateJob>(QUEUES.generate);
  expect(job?.data.generationId).toBe(generation.id);
  await markRunning(db.pool, generation.id);
  await markFailed(db.pool, generation.id, 'Anthropic is overloaded — failed after 1 try.', true);

  // The transaction's queries, seen as they are made: the Retry asks whether the old job is still active.
  const asked = vi.fn<(text: string) => void>();
  const retry = withTransaction(db.pool, (tx) => {
    const inner: Db = tx;
    const seen: Db = {
      query<R extends QueryResultRow>(text: string | NamedQuery, values?: readonly unknown[]) {
        asked(textOf(text));
        return inner.query<R>(text, values);
      },
    };
    return commitRetry(queue.boss, seen, generation.id);
  });
  const activeChecks = () => asked.mock.calls.filter(([text]) => /state = 'active'/.test(text)).length;
  // Asked twice: the first answer was "still active", so the Retry is waiting for it.
  await expect.poll(activeChecks, { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
  // The handler returns a moment later and pg-boss fails the job (its last try: no retry left).
  await db.pool.query('UPDATE pgboss.job SET retry_limit = 0 WHERE id = $1', [job!.id]);
  await queue.boss.fail(QUEUES.generate, job!.id, { error: 'overloaded' });

  expect(await retry).toMatchObject({ kind: 'retrying' });
  const jobs = await queue.boss.findJobs<GenerateJob>(QUEUES.generate, { data: { generationId: generation.id } });
  expect(jobs.map((j) => j.state).sort()).toEqual(['created', 'failed']);
});
