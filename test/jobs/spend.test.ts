/**
 * Quota and budget hold (issue 18): a cancel gives the quota slot back only when nothing was
 * billed; a cancel in the middle of a step keeps that step's cost; the worker holds rows once the
 * workspace's budget is spent (and tells their threads), and a batch is admitted only when its
 * estimated cost fits; spend counts on the day it was spent; an Anthropic spend limit pauses every
 * workspace.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { actionReply } from '../../src/bots/shared/outcomes.ts';
import { SLACK_STYLE } from '../../src/bots/slack/port.ts';
import { cancelUnposted, getGeneration } from '../../src/db/generations.ts';
import { withTransaction } from '../../src/db/pool.ts';
import { spendToday, workspaceSpendToday } from '../../src/db/usage.ts';
import { BatchQuotaError, BudgetExceededError, QuotaExceededError } from '../../src/errors.ts';
import { createBatch } from '../../src/requests/commit/batch.ts';
import { CancelledError } from '../../src/jobs/cancel-bus.ts';
import { commitCancel, commitRetry } from '../../src/requests/commit/steer.ts';
import { createGeneration } from '../../src/requests/commit/start.ts';
import { QUEUES } from '../../src/jobs/queue.ts';
import type { ThreadReporter } from '../../src/thread/reporter.ts';
import { HELD_FOR_SPEND } from '../../src/jobs/usage.ts';
import { processGeneration, startWorker, type WorkerDeps } from '../../src/jobs/worker.ts';
import { silentLogger } from '../../src/log.ts';
import { EMAIL_ANSWER } from '../../src/pipeline/steps/compose.ts';
import { questionOf, OVERLOADED, SPEND_LIMIT_REACHED } from '../fakes/anthropic.ts';
import { openPipelineWorld, type PipelineWorld } from '../helpers/world.ts';
import { createRecordingReporter, postsFor } from '../helpers/recording-reporter.ts';
import { RECIPIENT, TEMPLATE } from '../helpers/services.ts';

const logger = silentLogger();
const ATTEMPT = { retryCount: 0, retryLimit: 0, retryDelaySeconds: 1, retryDelayMaxSeconds: 1 };

let world: PipelineWorld;
let db: PipelineWorld['db'];
let queue: PipelineWorld['queue'];
let services: PipelineWorld['services'];
let clients: PipelineWorld['clients'];

beforeAll(async () => {
  world = await openPipelineWorld({ logger });
  ({ db, queue, services, clients } = world);
});
beforeEach(async () => {
  services.anthropic.respond(() => undefined);
  for (const key of Object.keys(services.anthropic.latencyFor)) delete services.anthropic.latencyFor[key];
  services.arxiv.latencyMs = 0;
  await db.pool.query('DELETE FROM spend_pauses');
});
afterAll(() => world?.close());

/** A reporter that can show the research review, as the chat reporters can. */
function reporter(): ThreadReporter {
  return { ...createRecordingReporter(db.pool), review: async () => ({ messageIds: ['review'] }) };
}

function deps(extra: Partial<WorkerDeps> = {}): WorkerDeps {
  return {
    pool: db.pool,
    reporter: reporter(),
    logger,
    pipeline: {
      ...clients,
      models: { fast: 'claude-haiku-5-5', writer: 'claude-sonnet-5-5' },
      researchCacheTtlMs: 0,
      retry: { attempts: 1 },
    },
    ...extra,
  };
}

const identity = (teamId: string, platformUserId = 'U1') => ({ platform: 'slack' as const, teamId, platformUserId });
const enqueue = (teamId: string, extra: { dailyQuota?: number; dailyBudgetUsd?: number; user?: string } = {}) =>
  createGeneration(
    { pool: db.pool, boss: queue.boss, dailyQuota: extra.dailyQuota ?? 1_000, dailyBudgetUsd: extra.dailyBudgetUsd },
    {
      user: identity(teamId, extra.user),
      request: { template: TEMPLATE, ...RECIPIENT },
      address: { channelId: 'C1', threadId: '1.1', progressMessageId: '1.1' },
    },
  );
const cancel = (id: string) => withTransaction(db.pool, (tx) => commitCancel(queue.boss, tx, id, null));
const failedPosts = async (id: string) =>
  (await postsFor(db.pool, id)).filter((p) => p.kind === 'failed').map((p) => (p.body as { message: string }).message);

/** The generation's job, run here by hand, ends as the worker would have ended it (dead: a Retry sends a new one). */
async function settleJob(generationId: string): Promise<void> {
  const { rows } = await db.pool.query<{ id: string }>(
    "SELECT id FROM pgboss.job WHERE name = $1 AND singleton_key = $2 AND state IN ('created', 'retry')",
    [QUEUES.generate, generationId],
  );
  await queue.boss.cancel(
    QUEUES.generate,
    rows.map((r) => r.id),
  );
}

/** One email's real cost here (fake services, default prices), and a succeeded first version for the history. */
async function oneEmailCost(teamId: string): Promise<number> {
  const g = await enqueue(teamId);
  expect((await processGeneration(deps(), g.id, ATTEMPT)).outcome).toBe('succeeded');
  return (await getGeneration(db.pool, g.id))!.costUsd;
}

describe('the quota after a cancel', () => {
  it('a generation cancelled at the research review keeps its slot; one cancelled before any billed call gives it back', async () => {
    const first = await enqueue('T-quota', { dailyQuota: 1 });
    await db.pool.query('UPDATE generations SET review_research = true WHERE id = $1', [first.id]);
    expect((await processGeneration(deps(), first.id, ATTEMPT)).outcome).toBe('review');
    const cancelled = await cancel(first.id);
    expect(cancelled).toMatchObject({ kind: 'cancelled' });
    expect(actionReply('cancel', cancelled, SLACK_STYLE)).toMatch(/still counts towards your quota/);
    // Review, read the research, cancel, repeat: not with a quota of 1.
    await expect(enqueue('T-quota', { dailyQuota: 1 })).rejects.toThrow(QuotaExceededError);

    // Someone else cancels theirs while it waits in the queue: nothing was billed, the slot is back.
    const queued = await enqueue('T-quota', { dailyQuota: 1, user: 'U2' });
    const early = await cancel(queued.id);
    expect(early).toMatchObject({ kind: 'cancelled' });
    expect(actionReply('cancel', early, SLACK_STYLE)).toMatch(/does not count towards your quota/);
    await expect(enqueue('T-quota', { dailyQuota: 1, user: 'U2' })).resolves.toBeDefined();
  });
});

describe('usage on every exit', () => {
  it('a cancel in the middle of writing keeps the answer that step already paid for', async () => {
    const g = await enqueue('T-midstep');
    const stop = new AbortController();
    // The writer's first answer is not JSON (billed, unusable); its corrective call then hangs.
    services.anthropic.queue(EMAIL_ANSWER, { text: 'not json at all' });
    services.anthropic.respond((request) => {
      if (questionOf(request) === EMAIL_ANSWER) services.anthropic.failNext([{ hang: true }]);
      return undefined;
    });
    const run = processGeneration(deps(), g.id, ATTEMPT, stop.signal);
    // The person presses Cancel while the corrective call is under way.
    await expect.poll(() => services.anthropic.callsFor(EMAIL_ANSWER).length, { timeout: 30_000 }).toBe(2);
    await cancelUnposted(db.pool, g.id, null);
    stop.abort(new CancelledError(g.id));
    expect((await run).outcome).toBe('cancelled');

    const row = (await getGeneration(db.pool, g.id))!;
    expect(row.status).toBe('cancelled');
    expect(row.usage.compose?.llm['claude-sonnet-5-5']?.calls).toBe(1);
    // And today's spend has all of it, the writer's answer included.
    expect(await workspaceSpendToday(db.pool, 'slack', 'T-midstep')).toBeCloseTo(row.costUsd, 6);
    services.anthropic.clearFailures();
  });
});

describe('the daily budget in the worker', () => {
  it('two batches racing a small budget stop at it; the rows held are told in their thread', async () => {
    const cost = await oneEmailCost('T-history');
    // Recent emails were cheap (cache hits, say), so the estimate lets both batches in.
    await db.pool.query('UPDATE generations SET cost_usd = $1 WHERE status = $2', [cost / 100, 'succeeded']);
    const budget = 2.5 * cost;
    const batchOf = (user: string) =>
      createBatch(
        { pool: db.pool, boss: queue.boss, dailyQuota: 100, dailyBudgetUsd: budget, batchMax: 50 },
        {
          user: identity('T-race', user),
          template: TEMPLATE,
          recipients: Array.from({ length: 6 }, (_, i) => `Ada Lovelace ${user}${i}, analytical engines`).join('\n'),
          address: { channelId: 'C1', threadId: `thread-${user}`, parentMessageId: `parent-${user}` },
        },
      );
    const batches = await Promise.all([batchOf('U-a'), batchOf('U-b')]);
    const ids = batches.flatMap((b) => b.generations.map((g) => g.id));

    const worker = await startWorker(deps({ dailyBudgetUsd: budget }), {
      boss: queue.boss,
      concurrency: 2,
      polling: { pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5 },
    });
    try {
      await expect
        .poll(
          async () =>
            (
              await db.pool.query<{ n: number }>(
                "SELECT count(*)::int AS n FROM generations WHERE id = ANY($1) AND status IN ('succeeded', 'failed')",
                [ids],
              )
            ).rows[0]?.n,
          { timeout: 90_000, interval: 250 },
        )
        .toBe(12);
    } finally {
      await worker.stop(10_000);
    }

    const rows = await Promise.all(ids.map(async (id) => (await getGeneration(db.pool, id))!));
    const held = rows.filter((r) => r.status === 'failed');
    expect(held.length).toBeGreaterThan(0);
    for (const row of held) {
      expect(row.costUsd).toBe(0);
      expect(row.failureRetryable).toBe(true);
      const [told] = await failedPosts(row.id);
      expect(told).toContain(HELD_FOR_SPEND);
      expect(told).toMatch(/spent its daily budget \(\$0\.\d+\).*resets at midnight UTC/);
    }
    // Each row starts only below the budget: at most one email per worker slot past it.
    const spent = await workspaceSpendToday(db.pool, 'slack', 'T-race');
    const dearest = Math.max(...rows.map((r) => r.costUsd));
    expect(spent).toBeGreaterThanOrEqual(budget);
    expect(spent).toBeLessThan(budget + 2 * dearest);
  }, 120_000);

  it('admits a batch only when its estimated cost fits what is left of the budget', async () => {
    const cost = await oneEmailCost('T-history-2');
    await db.pool.query('UPDATE generations SET cost_usd = $1 WHERE status = $2', [cost, 'succeeded']);
    const batch = (size: number) =>
      createBatch(
        { pool: db.pool, boss: queue.boss, dailyQuota: 100, dailyBudgetUsd: 2.5 * cost, batchMax: 50 },
        {
          user: identity('T-estimate'),
          template: TEMPLATE,
          recipients: Array.from({ length: size }, (_, i) => `Ada Lovelace ${size}${i}, analytical engines`).join('\n'),
        },
      );
    await expect(batch(3)).rejects.toThrow(BatchQuotaError);
    await expect(batch(3)).rejects.toThrow(/This batch of 3 emails would cost about .* nothing was started/);
    await expect(batch(2)).resolves.toBeDefined();
    // Those 2 are waiting: they count against what is left, so even 1 more does not fit.
    await expect(batch(1)).rejects.toThrow(/This batch of 1 emails would cost about/);
  });

  it('a Retry today of yesterday’s failed email counts today', async () => {
    const g = await enqueue('T-retry');
    // Writing the email fails (passing): the research was paid for, yesterday as it turns out.
    services.anthropic.respond((request) => (request.model.includes('sonnet') ? { error: OVERLOADED } : undefined));
    expect((await processGeneration(deps(), g.id, ATTEMPT)).outcome).toBe('failed');
    await settleJob(g.id);
    const yesterday = (await getGeneration(db.pool, g.id))!.costUsd;
    expect(yesterday).toBeGreaterThan(0);
    await db.pool.query("UPDATE generations SET created_at = created_at - interval '1 day' WHERE id = $1", [g.id]);
    await db.pool.query("UPDATE spend SET at = at - interval '1 day' WHERE generation_id = $1", [g.id]);
    expect(await workspaceSpendToday(db.pool, 'slack', 'T-retry')).toBe(0);

    services.anthropic.respond(() => undefined);
    expect(await withTransaction(db.pool, (tx) => commitRetry(queue.boss, tx, g.id))).toMatchObject({
      kind: 'retrying',
    });
    expect((await processGeneration(deps(), g.id, ATTEMPT)).outcome).toBe('succeeded');
    const row = (await getGeneration(db.pool, g.id))!;
    const today = await spendToday(db.pool, { userId: row.userId, platform: 'slack', teamId: 'T-retry' });
    expect(today.workspace).toBeGreaterThan(0);
    expect(today.workspace).toBeCloseTo(row.costUsd - yesterday, 6);
    expect(today.user).toBeCloseTo(today.workspace, 6);
  });

  it('an Anthropic spend limit in one workspace pauses another’s queued email and new requests', async () => {
    const elsewhere = await enqueue('T-pause-b');
    const here = await enqueue('T-pause-a');
    services.anthropic.failNext([SPEND_LIMIT_REACHED]);
    expect((await processGeneration(deps(), here.id, ATTEMPT)).outcome).toBe('failed');

    const callsBefore = services.anthropic.calls().length;
    expect((await processGeneration(deps(), elsewhere.id, ATTEMPT)).outcome).toBe('failed');
    expect(services.anthropic.calls().length).toBe(callsBefore);
    const [told] = await failedPosts(elsewhere.id);
    expect(told).toContain(HELD_FOR_SPEND);
    expect(told).toMatch(
      /New emails are paused: Scribe reached its Anthropic spend limit.*accepted again from \d\d:\d\d UTC/,
    );
    await expect(enqueue('T-pause-b')).rejects.toThrow(BudgetExceededError);
  });
});
