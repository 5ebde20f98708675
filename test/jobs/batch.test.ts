/**
 * Batches at the jobs level: real Postgres, real pg-boss, the worker in process against the fakes,
 * a recording reporter for the threads and a recording batch reporter for the parent message.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { batchRows } from '../../src/db/batches.ts';
import { getGeneration } from '../../src/db/generations.ts';
import { BatchQuotaError, InvalidRequestError } from '../../src/errors.ts';
import { cancelBatch, createBatch } from '../../src/requests/commit/batch.ts';
import { withBatchUpdates } from '../../src/jobs/batch-updates.ts';
import type { BatchReporter } from '../../src/thread/batch-reporter.ts';
import type { BatchView } from '../../src/thread/batch-view.ts';
import { createGeneration } from '../../src/requests/commit/start.ts';
import type { JobQueue } from '../../src/jobs/queue.ts';
import { createResearchCache } from '../../src/jobs/research-cache.ts';
import { startWorker, type WorkerDeps } from '../../src/jobs/worker.ts';
import { silentLogger } from '../../src/log.ts';
import { PARSE_ANSWER } from '../../src/pipeline/steps/parse.ts';
import type { PipelineClients } from '../../src/pipeline/clients/index.ts';
import type { TestDatabase } from '../helpers/db.ts';
import { pollFor } from '../helpers/poll.ts';
import { createRecordingReporter, postsFor } from '../helpers/recording-reporter.ts';
import { TEMPLATE, type Services } from '../helpers/services.ts';
import { openPipelineWorld, type PipelineWorld } from '../helpers/world.ts';

const logger = silentLogger();
const FAST_POLLING = { pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5 };
let world: PipelineWorld;
let db: TestDatabase;
let queue: JobQueue;
let services: Services;
let clients: PipelineClients;
let worker: Awaited<ReturnType<typeof startWorker>> | undefined;
let views: BatchView[] = [];
let reporter: ReturnType<typeof withBatchUpdates>;

beforeAll(async () => {
  world = await openPipelineWorld({ monitorIntervalSeconds: 1 });
  ({ db, queue, services, clients } = world);
});
afterEach(async () => {
  await worker?.stop(10_000);
  worker = undefined;
  views = [];
  services.anthropic.respond(() => undefined);
  for (const k of Object.keys(services.anthropic.latencyFor)) delete services.anthropic.latencyFor[k];
});
afterAll(() => world?.close());

const recordingBatchReporter: BatchReporter = {
  async batchProgress(_address, view) {
    views.push(view);
  },
};

async function start(concurrency = 2) {
  reporter = withBatchUpdates(createRecordingReporter(db.pool), {
    pool: db.pool,
    reporters: { slack: recordingBatchReporter },
    logger,
    intervalMs: 100,
  });
  const deps: WorkerDeps = {
    pool: db.pool,
    reporter,
    logger,
    pipeline: {
      ...clients,
      cache: createResearchCache(db.pool),
      models: { fast: 'claude-haiku-5-5', writer: 'claude-sonnet-5-5' },
      researchCacheTtlMs: 24 * 3600_000,
      retry: { attempts: 2, baseMs: 10, maxMs: 20 },
    },
  };
  worker = await startWorker(deps, { boss: queue.boss, concurrency, polling: FAST_POLLING });
}

let users = 0;
const freshUser = () => ({ platform: 'slack' as const, teamId: 'T1', platformUserId: `U-batch-${++users}` });
const lines = (n: number, prefix = 'Researcher') =>
  Array.from({ length: n }, (_, i) => `${prefix} ${String.fromCharCode(65 + (i % 26))}${i} | topic number ${i}`).join(
    '\n',
  );
const address = { channelId: 'C1', threadId: '1.1', parentMessageId: '1.1' };
const deps = (dailyQuota = 100) => ({ pool: db.pool, boss: queue.boss, dailyQuota, batchMax: 50 });

/** The batch's rows once none is queued or running. */
const settled = (batchId: string, timeoutMs = 60_000) =>
  pollFor(
    async () => {
      const rows = await batchRows(db.pool, batchId);
      return rows.every((r) => r.status !== 'queued' && r.status !== 'running') && rows;
    },
    { message: 'the batch settled', timeout: timeoutMs, interval: 100 },
  );
/** Waits until the batch's rows that have left the queue pass `check`. */
const started = (batchId: string, check: (statuses: string[]) => boolean, message: string) =>
  pollFor(async () => check((await batchRows(db.pool, batchId)).map((r) => r.status)), {
    message,
    timeout: 30_000,
    interval: 20,
  });

describe('batches', () => {
  it('refuses invalid lines with their numbers and writes nothing', async () => {
    const user = freshUser();
    const text = `Ada Lovelace | engines\nno separator here\nGrace Hopper | compilers\n | missing name\nAda Lovelace | engines`;
    const error = await createBatch(deps(), { user, template: TEMPLATE, recipients: text }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidRequestError);
    const message = (error as Error).message;
    expect(message).toContain('Line 2:');
    expect(message).toContain('Line 4:');
    expect(message).toContain('Line 5: the same recipient as line 1');
    const { rows } = await db.pool.query('SELECT 1 FROM batches');
    expect(rows).toHaveLength(0);
  });

  it('refuses a batch larger than the quota left, whole, with the numbers, before any work', async () => {
    const user = freshUser();
    await createGeneration(
      { pool: db.pool, boss: queue.boss, dailyQuota: 20 },
      { user, request: { template: TEMPLATE, recipientName: 'Ada Lovelace', recipientInterest: 'engines' } },
    );
    const error = await createBatch(deps(20), { user, template: TEMPLATE, recipients: lines(20) }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BatchQuotaError);
    expect((error as BatchQuotaError).refusal).toEqual({ kind: 'quota', quota: 20, asked: 20, left: 19 });
    expect((error as Error).message).toContain('This batch has 20 recipients, but you have 19 of your 20 emails left');
    const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM generations');
    expect(rows[0]!.n).toBeGreaterThan(0);
    const mine = await db.pool.query(
      'SELECT 1 FROM generations g JOIN users u ON u.id = g.user_id WHERE u.platform_user_id = $1',
      [user.platformUserId],
    );
    expect(mine.rows).toHaveLength(1);
  });

  it("refuses a batch, whole, once the workspace's daily budget is spent", async () => {
    const user = freshUser();
    const first = await createGeneration(
      { pool: db.pool, boss: queue.boss, dailyQuota: 20 },
      { user, request: { template: TEMPLATE, recipientName: 'Ada Lovelace', recipientInterest: 'engines' } },
    );
    await db.pool.query('UPDATE generations SET cost_usd = 0.5 WHERE id = $1', [first.id]);
    const error = await createBatch(
      { ...deps(), dailyBudgetUsd: 0.25 },
      { user, template: TEMPLATE, recipients: lines(3) },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatchQuotaError);
    expect((error as BatchQuotaError).refusal).toMatchObject({ kind: 'budget', budgetUsd: 0.25 });
    expect((error as Error).message).toMatch(/daily budget/);
    const mine = await db.pool.query(
      'SELECT 1 FROM generations g JOIN users u ON u.id = g.user_id WHERE u.platform_user_id = $1',
      [user.platformUserId],
    );
    expect(mine.rows).toHaveLength(1);
  });

  it('runs every row once; a failing recipient fails alone and the table shows it', async () => {
    // The writer answers nonsense for one recipient only: that email fails, the others do not.
    services.anthropic.respond((req) =>
      req.model.includes('sonnet') && JSON.stringify(req.messages).includes('Broken Babbage')
        ? { text: 'nope' }
        : undefined,
    );
    await start(2);
    const recipients = `${lines(5)}\nBroken Babbage | difference engines\n${lines(6, 'Later')}`;
    const { batch, generations } = await createBatch(deps(), {
      user: freshUser(),
      template: TEMPLATE,
      recipients,
      address,
    });
    expect(generations).toHaveLength(12);
    const rows = await settled(batch.id);
    expect(rows.map((r) => r.recipientName)).toEqual(generations.map((g) => g.recipientName));
    expect(rows.filter((r) => r.status === 'succeeded')).toHaveLength(11);
    expect(rows[5]).toMatchObject({ recipientName: 'Broken Babbage', status: 'failed' });
    for (const g of generations) {
      const posts = (await postsFor(db.pool, g.id)).filter((p) => p.kind !== 'progress');
      // Exactly one reply per row: the email, or (for the broken one) the failure, by the single path.
      expect(posts.map((p) => p.kind)).toEqual([g.recipientName === 'Broken Babbage' ? 'failed' : 'result']);
      expect((await getGeneration(db.pool, g.id))!.batchId).toBe(batch.id);
    }
    await reporter.flushBatches();
    const last = views.at(-1)!;
    expect(last.finished).toBe(true);
    expect(last.counts).toMatchObject({ succeeded: 11, failed: 1, queued: 0, running: 0 });
    expect(last.rows[5]).toMatchObject({ recipientName: 'Broken Babbage', state: 'failed' });
    // Coalesced: far fewer edits than state changes (12 rows × running, settled).
    expect(views.length).toBeLessThan(24);
  }, 120_000);

  it('parses the template once for the whole batch, two rows at a time', async () => {
    // Slow enough that both slots take a row while the first row is still parsing.
    services.anthropic.latencyFor['claude-haiku-5-5'] = 300;
    await start(2);
    const parses = () => services.anthropic.callsFor(PARSE_ANSWER).length;
    const before = parses();
    const { batch, generations } = await createBatch(deps(), {
      user: freshUser(),
      template: TEMPLATE,
      recipients: lines(5, 'Once'),
      address,
    });
    const rows = await settled(batch.id);
    expect(rows.map((r) => r.status)).toEqual(Array(5).fill('succeeded'));
    expect(parses() - before).toBe(1);
    const readings = await Promise.all(generations.map(async (g) => (await getGeneration(db.pool, g.id))!.steps.parse));
    for (const reading of readings) expect(reading?.output).toEqual(readings[0]!.output);

    delete services.anthropic.latencyFor['claude-haiku-5-5'];
  }, 120_000);

  it('a row parses on its own when the row that was reading the template fails', async () => {
    // The first reading fails (an invalid answer, then its corrective retry): that row fails alone.
    services.anthropic.queue(PARSE_ANSWER, { text: 'nope' }, { text: 'nope' });
    await start(2);
    const before = services.anthropic.callsFor(PARSE_ANSWER).length;
    const { batch } = await createBatch(deps(), {
      user: freshUser(),
      template: TEMPLATE,
      recipients: lines(3, 'Crash'),
      address,
    });
    const rows = await settled(batch.id);
    expect(rows.filter((r) => r.status === 'succeeded')).toHaveLength(2);
    expect(rows.filter((r) => r.status === 'failed')).toHaveLength(1);
    // The two bad answers, then one reading for the rest of the batch.
    expect(services.anthropic.callsFor(PARSE_ANSWER).length - before).toBe(3);
  }, 120_000);

  it('lets a single request made during a batch of 20 start within the time of one generation', async () => {
    services.anthropic.latencyFor['claude-sonnet-5-5'] = 300;
    await start(2);
    const { batch } = await createBatch(deps(), {
      user: freshUser(),
      template: TEMPLATE,
      recipients: lines(20, 'Fair'),
      address,
    });
    await started(batch.id, (s) => s.filter((status) => status !== 'queued').length >= 2, 'the batch in both slots');
    const single = await createGeneration(
      { pool: db.pool, boss: queue.boss, dailyQuota: 100 },
      { user: freshUser(), request: { template: TEMPLATE, recipientName: 'Solo Person', recipientInterest: 'queues' } },
    );
    const rows = await settled(batch.id, 120_000);
    const solo = (await getGeneration(db.pool, single.id))!;
    expect(solo.status).toBe('succeeded');
    const durations = rows.map((r) => r.finishedAt!.getTime() - r.startedAt!.getTime());
    const waited = solo.startedAt!.getTime() - solo.createdAt.getTime();
    // It took the next free slot: at most one generation's time (plus a generous margin for load)…
    expect(waited).toBeLessThanOrEqual(Math.max(...durations) + 2_000);
    // …and most of the batch started after it, instead of all 20 before it.
    const startedAfter = rows.filter((r) => r.startedAt! > solo.startedAt!).length;
    expect(startedAfter).toBeGreaterThanOrEqual(15);
  }, 180_000);

  it('cancels the rows not yet started; the ones running finish', async () => {
    services.anthropic.latencyFor['claude-sonnet-5-5'] = 400;
    await start(1);
    const { batch } = await createBatch(deps(), {
      user: freshUser(),
      template: TEMPLATE,
      recipients: lines(6, 'Cancel'),
      address,
    });
    await started(batch.id, (s) => s.includes('running'), 'a row running');
    const stopped = await cancelBatch(deps(), batch.id);
    expect(stopped.length).toBeGreaterThanOrEqual(4);
    const rows = await settled(batch.id);
    expect(rows.filter((r) => r.status === 'cancelled')).toHaveLength(stopped.length);
    expect(rows.filter((r) => r.status === 'succeeded').length).toBe(6 - stopped.length);
    // Their jobs are cancelled too, so no worker picks them up.
    const { rows: jobs } = await db.pool.query<{ state: string }>(
      "SELECT state::text FROM pgboss.job WHERE name = 'scribe.generate' AND singleton_key = ANY($1::text[])",
      [stopped],
    );
    expect(jobs.every((j) => j.state === 'cancelled')).toBe(true);
  }, 120_000);

  it('cancels a row waiting for "Which …?" too: no worker holds it, so nobody else would', async () => {
    const { batch } = await createBatch(deps(), {
      user: freshUser(),
      template: TEMPLATE,
      recipients: lines(2, 'Waiting'),
      address,
    });
    const rows = await batchRows(db.pool, batch.id);
    // As the worker leaves a row it asked about: its job completed, the row waits for its person.
    await db.pool.query("UPDATE generations SET status = 'awaiting_identity' WHERE id = $1", [rows[0]!.generationId]);
    const stopped = await cancelBatch(deps(), batch.id);
    expect(stopped).toContain(rows[0]!.generationId);
    const after = await batchRows(db.pool, batch.id);
    expect(after.find((r) => r.generationId === rows[0]!.generationId)).toMatchObject({
      status: 'cancelled',
      error: 'Cancelled while waiting for the choice of person',
    });
  });
});
