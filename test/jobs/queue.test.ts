import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Job } from 'pg-boss';
import { QUEUES, type GenerateJob, type JobQueue } from '../../src/jobs/queue.ts';
import { openQueueWorld, type QueueWorld } from '../helpers/world.ts';

let world: QueueWorld;
let queue: JobQueue;

beforeAll(async () => {
  world = await openQueueWorld({
    enableSpies: true,
    monitorIntervalSeconds: 1,
    // Short delays so the retry path runs in seconds; the production policy is 30 s doubling.
    tuning: { retryDelaySeconds: 1, retryDelayMaxSeconds: 2 },
  });
  ({ queue } = world);
});

afterAll(() => world?.close());

describe('the scribe.generate queue', () => {
  it('is created with its policy: exclusive, 3 retries with backoff, expiry, heartbeat, dead letter', async () => {
    const q = await queue.boss.getQueue(QUEUES.generate);
    expect(q).toMatchObject({
      name: 'scribe.generate',
      policy: 'exclusive',
      retryLimit: 3,
      retryBackoff: true,
      expireInSeconds: 1200,
      heartbeatSeconds: 10,
      deadLetter: 'scribe.generate.dead',
    });
    expect(await queue.boss.getQueue(QUEUES.generateDead)).not.toBeNull();
  });

  it('delivers a sent job to a handler with its payload', async () => {
    const seen: GenerateJob[] = [];
    const worker = await queue.boss.work<GenerateJob>(
      QUEUES.generate,
      { pollingIntervalSeconds: 0.5 },
      async (jobs) => {
        for (const job of jobs) seen.push(job.data);
      },
    );
    try {
      const id = await queue.boss.send(
        QUEUES.generate,
        { generationId: 'g-delivered' },
        { singletonKey: 'g-delivered' },
      );
      expect(id).toEqual(expect.any(String));
      await queue.boss.getSpy(QUEUES.generate).waitForJobWithId(id!, 'completed');
      expect(seen).toEqual([{ generationId: 'g-delivered' }]);
    } finally {
      await queue.boss.offWork(QUEUES.generate, { id: worker, wait: true });
    }
  });

  it('refuses a second job for the same generation while the first is queued', async () => {
    const first = await queue.boss.send(QUEUES.generate, { generationId: 'g-once' }, { singletonKey: 'g-once' });
    const second = await queue.boss.send(QUEUES.generate, { generationId: 'g-once' }, { singletonKey: 'g-once' });
    expect(first).toEqual(expect.any(String));
    expect(second).toBeNull();
    await queue.boss.deleteJob(QUEUES.generate, first!);
  });

  it('retries a failing job with growing delays, then moves it to the dead-letter queue', async () => {
    const attempts: { at: number; retryCount: number }[] = [];
    const worker = await queue.boss.work<GenerateJob>(
      QUEUES.generate,
      { pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5, includeMetadata: true },
      async (jobs: Job<GenerateJob>[]) => {
        for (const job of jobs) {
          attempts.push({ at: Date.now(), retryCount: (job as Job<GenerateJob> & { retryCount: number }).retryCount });
          throw new Error('Anthropic is overloaded (529)');
        }
      },
    );
    try {
      const id = await queue.boss.send(QUEUES.generate, { generationId: 'g-doomed' }, { singletonKey: 'g-doomed' });
      const failed = await queue.boss.getSpy(QUEUES.generate).waitForJobWithId(id!, 'failed');
      expect(failed.data).toEqual({ generationId: 'g-doomed' });
      // 1 try + 3 retries, each later than the one before by at least the retry delay.
      expect(attempts.map((a) => a.retryCount)).toEqual([0, 1, 2, 3]);
      for (let i = 1; i < attempts.length; i++) {
        expect(attempts[i]!.at - attempts[i - 1]!.at).toBeGreaterThanOrEqual(900);
      }
      const job = await queue.boss.getJobById(QUEUES.generate, id!);
      expect(job?.state).toBe('failed');
      expect(JSON.stringify(job?.output)).toContain('Anthropic is overloaded (529)');

      const dead = await queue.boss.findJobs<GenerateJob>(QUEUES.generateDead, { data: { generationId: 'g-doomed' } });
      expect(dead.map((d) => d.data)).toEqual([{ generationId: 'g-doomed' }]);
    } finally {
      await queue.boss.offWork(QUEUES.generate, { id: worker, wait: true });
    }
  });
});
