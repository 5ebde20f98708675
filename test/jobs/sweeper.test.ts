/**
 * The sweeper on real Postgres and real pg-boss: generations whose job ended (dead-lettered,
 * gone) while no worker could settle them end failed, and their thread is told once.
 */
import type { JobResult } from 'pg-boss';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getGeneration } from '../../src/db/generations.ts';
import { createGeneration } from '../../src/requests/commit/start.ts';
import { QUEUES, type GenerateJob, type JobQueue } from '../../src/jobs/queue.ts';
import { LOST_JOB_MESSAGE, sweepLostGenerations, type GenerateJobOutput } from '../../src/jobs/sweeper.ts';
import { startWorker } from '../../src/jobs/worker.ts';
import { silentLogger } from '../../src/log.ts';
import type { PipelineClients } from '../../src/pipeline/clients/index.ts';
import type { TestDatabase } from '../helpers/db.ts';
import { createRecordingReporter, postsFor } from '../helpers/recording-reporter.ts';
import { RECIPIENT, TEMPLATE } from '../helpers/services.ts';
import { openPipelineWorld, type PipelineWorld } from '../helpers/world.ts';

const logger = silentLogger();
let world: PipelineWorld;
let db: TestDatabase;
let queue: JobQueue;
let clients: PipelineClients;
let worker: Awaited<ReturnType<typeof startWorker>> | undefined;

beforeAll(async () => {
  world = await openPipelineWorld({ monitorIntervalSeconds: 1 });
  ({ db, queue, clients } = world);
});
afterEach(async () => {
  await worker?.stop(5_000);
  worker = undefined;
});
afterAll(() => world?.close());

const sweepDeps = () => ({ pool: db.pool, reporter: createRecordingReporter(db.pool), logger });

async function enqueue(userId: string) {
  return createGeneration(
    { pool: db.pool, boss: queue.boss, dailyQuota: 1_000 },
    {
      user: { platform: 'slack', teamId: 'T1', platformUserId: userId },
      request: { template: TEMPLATE, ...RECIPIENT },
      address: { channelId: 'C1', threadId: `${userId}.1`, progressMessageId: `${userId}.1` },
    },
  );
}
const jobsOf = (generationId: string, name: string = QUEUES.generate) =>
  queue.boss.findJobs<GenerateJob>(name, { data: { generationId } });

/** A worker that dead-letters every job it takes with `output`, then goes away (as if it died). */
async function deadLetterAll(ids: string[], output: GenerateJobOutput) {
  const workerId = await queue.boss.work<GenerateJob>(
    QUEUES.generate,
    { perJobResults: true, batchSize: 1, pollingIntervalSeconds: 0.5 },
    async (jobs): Promise<JobResult[]> => jobs.map((j) => ({ id: j.id, status: 'deadletter', output })),
  );
  for (const id of ids) {
    await expect
      .poll(async () => (await jobsOf(id)).map((j) => j.state), { timeout: 15_000, interval: 100 })
      .toEqual(['failed']);
  }
  await queue.boss.offWork(QUEUES.generate, { id: workerId, wait: true });
}

const failedMessages = async (id: string) =>
  (await postsFor(db.pool, id)).filter((p) => p.kind === 'failed').map((p) => (p.body as { message: string }).message);

describe('the sweeper', () => {
  it('settles at worker start a generation whose job was dead-lettered while no worker was up', async () => {
    const generation = await enqueue('U-dead');
    // What the handler records when it dead-letters a job; this one died before telling the thread.
    await deadLetterAll([generation.id], {
      error: 'Researching the web failed: Exa is unavailable (503)',
      failure: { message: 'Researching the web failed: Exa is unavailable (503)', retryable: true, tries: 4 },
      reported: false,
    });
    expect((await jobsOf(generation.id, QUEUES.generateDead)).length).toBe(1);
    expect((await getGeneration(db.pool, generation.id))?.status).toBe('queued');

    worker = await startWorker(
      {
        pool: db.pool,
        reporter: createRecordingReporter(db.pool),
        logger,
        pipeline: { ...clients, models: { fast: 'f', writer: 'w' }, researchCacheTtlMs: 0 },
      },
      { boss: queue.boss, concurrency: 1, sweep: { graceMs: 0 } },
    );
    // Settled by the sweep the worker runs before it takes jobs: no waiting.
    const row = await getGeneration(db.pool, generation.id);
    expect(row).toMatchObject({
      status: 'failed',
      error: 'Researching the web failed: Exa is unavailable (503) — failed after 4 tries.',
    });
    expect(row?.finishedAt).not.toBeNull();
    expect(await failedMessages(generation.id)).toEqual([
      'Researching the web failed: Exa is unavailable (503) — failed after 4 tries. Try again later with 🔁 or /scribe.',
    ]);
    const progress = (await postsFor(db.pool, generation.id)).find((p) => p.kind === 'progress');
    expect(progress?.body).toMatchObject({ status: 'failed', error: row?.error });

    // A later sweep finds nothing more to do, and says nothing twice.
    expect(await worker.sweep()).toEqual([]);
    expect(await failedMessages(generation.id)).toHaveLength(1);
  });

  it('settles a generation whose job is gone, saying that it was lost', async () => {
    const generation = await enqueue('U-gone');
    const [job] = await jobsOf(generation.id);
    await queue.boss.deleteJob(QUEUES.generate, job!.id);
    expect(await sweepLostGenerations(sweepDeps(), { graceMs: 0 })).toEqual([generation.id]);
    expect((await getGeneration(db.pool, generation.id))?.error).toBe(LOST_JOB_MESSAGE);
    expect(await failedMessages(generation.id)).toEqual([`${LOST_JOB_MESSAGE} Try again later with 🔁 or /scribe.`]);
  });

  it('does not tell the thread again when the handler already did', async () => {
    const generation = await enqueue('U-told');
    const failure = { message: 'Writing the email failed: the template is empty.', retryable: false, tries: 1 };
    await deadLetterAll([generation.id], { error: failure.message, failure, reported: true });
    expect(await sweepLostGenerations(sweepDeps(), { graceMs: 0 })).toEqual([generation.id]);
    expect(await getGeneration(db.pool, generation.id)).toMatchObject({ status: 'failed', error: failure.message });
    expect(await failedMessages(generation.id)).toEqual([]);
  });

  it('leaves alone a generation with a live job, and one touched within the grace period', async () => {
    const live = await enqueue('U-live'); // its job waits in the queue: no worker is running
    expect(await sweepLostGenerations(sweepDeps(), { graceMs: 0 })).toEqual([]);
    const lost = await enqueue('U-recent');
    await queue.boss.deleteJob(QUEUES.generate, (await jobsOf(lost.id))[0]!.id);
    expect(await sweepLostGenerations(sweepDeps(), { graceMs: 60_000 })).toEqual([]);
    expect((await getGeneration(db.pool, live.id))?.status).toBe('queued');
    expect((await getGeneration(db.pool, lost.id))?.status).toBe('queued');
    // Clean up for the next test: settle the lost one.
    expect(await sweepLostGenerations(sweepDeps(), { graceMs: 0 })).toEqual([lost.id]);
    await queue.boss.deleteJob(QUEUES.generate, (await jobsOf(live.id))[0]!.id);
    await sweepLostGenerations(sweepDeps(), { graceMs: 0 });
  });

  it('settles and reports a row once when two sweeps run at the same time (two workers)', async () => {
    const generation = await enqueue('U-twice');
    await queue.boss.deleteJob(QUEUES.generate, (await jobsOf(generation.id))[0]!.id);
    const [a, b] = await Promise.all([
      sweepLostGenerations(sweepDeps(), { graceMs: 0 }),
      sweepLostGenerations(sweepDeps(), { graceMs: 0 }),
    ]);
    expect([...a!, ...b!]).toEqual([generation.id]);
    expect(await failedMessages(generation.id)).toHaveLength(1);
  });

  it('leaves alone a generation waiting for "Which …?", whose job completed when it asked', async () => {
    const generation = await enqueue('U-asked');
    // What the worker does at the question: the row waits for the person, the job completes.
    const workerId = await queue.boss.work<GenerateJob>(
      QUEUES.generate,
      { perJobResults: true, batchSize: 1, pollingIntervalSeconds: 0.5 },
      async (jobs): Promise<JobResult[]> => {
        await db.pool.query("UPDATE generations SET status = 'awaiting_identity' WHERE id = $1", [generation.id]);
        return jobs.map((j) => ({ id: j.id, status: 'completed', output: { outcome: 'identity' } }));
      },
    );
    await expect
      .poll(async () => (await jobsOf(generation.id)).map((j) => j.state), { timeout: 15_000, interval: 100 })
      .toEqual(['completed']);
    await queue.boss.offWork(QUEUES.generate, { id: workerId, wait: true });
    expect(await sweepLostGenerations(sweepDeps(), { graceMs: 0 })).toEqual([]);
    expect((await getGeneration(db.pool, generation.id))?.status).toBe('awaiting_identity');
    expect(await failedMessages(generation.id)).toEqual([]);
  });
});
