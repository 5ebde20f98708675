import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getGeneration } from '../../src/db/generations.ts';
import { lastTemplate } from '../../src/db/templates.ts';
import {
  createGeneration,
  InvalidRequestError,
  parseGenerationRequest,
  QuotaExceededError,
  remainingQuota,
} from '../../src/jobs/enqueue.ts';
import { QUEUES, startQueue, type GenerateJob, type JobQueue } from '../../src/jobs/queue.ts';
import { silentLogger } from '../../src/log.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const TEMPLATE = 'Dear {{name}},\n\nI read your work on {{topic}} and would love to talk.\n\nBest, Sam';

let db: TestDatabase;
let queue: JobQueue;

beforeAll(async () => {
  db = await createTestDatabase({ migrated: true });
  queue = await startQueue({ connectionString: db.url, logger: silentLogger() });
});

afterAll(async () => {
  await queue?.stop({ timeoutMs: 5_000 });
  await db?.drop();
});

const deps = (dailyQuota = 20) => ({ pool: db.pool, boss: queue.boss, dailyQuota });
const user = (id: string) => ({ platform: 'slack' as const, teamId: 'T1', platformUserId: id, displayName: id });

async function jobsFor(generationId: string) {
  return queue.boss.findJobs<GenerateJob>(QUEUES.generate, { data: { generationId } });
}

describe('createGeneration', () => {
  it('records the generation as queued and enqueues exactly one job carrying only its id', async () => {
    const generation = await createGeneration(deps(), {
      user: user('U-ok'),
      request: { template: TEMPLATE, recipientName: 'Dr. Ada Lovelace', recipientInterest: 'analytical engines' },
      address: { channelId: 'C1', threadId: '1700000000.000100', progressMessageId: '1700000000.000100' },
    });
    const row = await getGeneration(db.pool, generation.id);
    expect(row).toMatchObject({
      status: 'queued',
      platform: 'slack',
      teamId: 'T1',
      channelId: 'C1',
      recipientName: 'Dr. Ada Lovelace',
      template: TEMPLATE,
      steps: {},
    });
    const jobs = await jobsFor(generation.id);
    expect(jobs).toHaveLength(1);
    expect(jobs[0]?.data).toEqual({ generationId: generation.id });
    expect(await lastTemplate(db.pool, generation.userId)).toBe(TEMPLATE);
  });

  it('strips control characters and normalises line ends before saving', async () => {
    const request = parseGenerationRequest({
      template: `Dear Dr. X,\r\nI loved\u0007 your paper.\u0000\r\nBest`,
      recipientName: '  Grace\u200B Hopper\u001b ',
      recipientInterest: 'compilers',
    });
    expect(request.template).toBe('Dear Dr. X,\nI loved your paper.\nBest');
    expect(request.recipientName).toBe('Grace\u200B Hopper');
  });

  it.each([
    [{ template: 'too short', recipientName: 'Ada', recipientInterest: 'x' }, 'template', 'The template must be at least 20 characters'],
    [{ template: 'x'.repeat(20_001), recipientName: 'Ada', recipientInterest: 'x' }, 'template', 'The template must be at most 20,000 characters'],
    [{ template: TEMPLATE, recipientName: '   ', recipientInterest: 'x' }, 'recipientName', "The recipient's name is required"],
    [{ template: TEMPLATE, recipientName: 'n'.repeat(201), recipientInterest: 'x' }, 'recipientName', "The recipient's name must be at most 200 characters"],
    [{ template: TEMPLATE, recipientName: 'Ada', recipientInterest: 'i'.repeat(501) }, 'recipientInterest', "The recipient's research interest must be at most 500 characters"],
    [{ template: TEMPLATE, recipientName: 'Ada' }, 'recipientInterest', "The recipient's research interest is required"],
  ])('refuses bad input with a message on the field, and creates no job: %#', async (request, field, message) => {
    const before = (await queue.boss.getQueue(QUEUES.generate))?.totalCount;
    const err = await createGeneration(deps(), { user: user('U-bad'), request }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidRequestError);
    expect((err as InvalidRequestError).fields).toEqual({ [field]: message });
    const { rows } = await db.pool.query("SELECT count(*)::int AS n FROM generations g JOIN users u ON u.id = g.user_id WHERE u.platform_user_id = 'U-bad'");
    expect(rows[0]).toEqual({ n: 0 });
    expect((await queue.boss.getQueue(QUEUES.generate))?.totalCount).toBe(before);
  });

  it('stops at the daily quota with a clear message, and creates no row or job', async () => {
    const request = { template: TEMPLATE, recipientName: 'Ada', recipientInterest: 'engines' };
    await createGeneration(deps(2), { user: user('U-quota'), request });
    const second = await createGeneration(deps(2), { user: user('U-quota'), request });
    expect(await remainingQuota(db.pool, second.userId, 2)).toBe(0);

    const err = await createGeneration(deps(2), { user: user('U-quota'), request }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuotaExceededError);
    expect((err as Error).message).toBe(
      'You have used all 2 emails for today. The quota resets at midnight UTC; ask your admin to raise SCRIBE_DAILY_QUOTA if you need more.',
    );
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM generations WHERE user_id = $1', [second.userId]);
    expect(rows[0]).toEqual({ n: 2 });
  });

  it('lets no two concurrent requests take the same last slot', async () => {
    const request = { template: TEMPLATE, recipientName: 'Ada', recipientInterest: 'engines' };
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, () => createGeneration(deps(3), { user: user('U-race'), request })),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(results.filter((r) => r.status === 'rejected' && r.reason instanceof QuotaExceededError)).toHaveLength(3);
  });
});
