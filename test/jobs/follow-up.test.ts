/**
 * The follow-up handler below the chats (src/jobs/follow-up.ts), against a real database: two
 * deliveries of the same job post once; a reminder stopped by *Got a reply* posts nothing; the
 * workspace budget spent when it comes due holds it and the thread says so, with no model call;
 * a posted follow-up takes a quota slot and its cost is in the spend ledger.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { z } from 'zod';
import { countTodayForQuota, insertGeneration, markSucceeded } from '../../src/db/generations.ts';
import { scheduleFollowUp, stopFollowUp } from '../../src/db/outreach.ts';
import { upsertUser, type User } from '../../src/db/users.ts';
import { handleFollowUp, type FollowUpWorkerDeps } from '../../src/jobs/follow-up.ts';
import { createLogger } from '../../src/log.ts';
import type { Llm, LlmRequest } from '../../src/pipeline/ports.ts';
import { commitMarkSent } from '../../src/requests/outreach.ts';
import type { FollowUpView } from '../../src/thread/reporter.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
let ada: User;
const posted: FollowUpView[] = [];
let calls = 0;

const llm: Llm = {
  complete: () => Promise.reject(new Error('not used')),
  structured: async <T>(request: LlmRequest & { schema: z.ZodType<T>; name: string }) => {
    calls++;
    const value = request.schema.parse({ body: 'Dear Ada Lovelace, I am following up on my email of last week.' });
    return {
      value,
      usage: { inputTokens: 400, outputTokens: 40, cacheReadInputTokens: 0, cacheCreationInputTokens: 0 },
    };
  },
};

const deps = (over: Partial<FollowUpWorkerDeps> = {}): FollowUpWorkerDeps => ({
  pool: db.pool,
  reporter: {
    progress: async () => {},
    result: async () => ({ messageIds: [] }),
    failed: async () => {},
    followUp: async (_address, view) => {
      posted.push(view);
    },
  },
  llm,
  model: 'claude-haiku-5-5',
  dailyQuota: 20,
  logger: createLogger({ level: 'silent' }),
  ...over,
});

beforeAll(async () => {
  db = await createTestDatabase({ migrated: true });
  ada = await upsertUser(db.pool, { platform: 'slack', teamId: 'T1', platformUserId: 'U0ADA' });
});
afterAll(() => db?.drop());

/** A sent email with a reminder due now; answers the job's data. */
async function dueReminder() {
  const g = await insertGeneration(db.pool, {
    userId: ada.id,
    platform: 'slack',
    teamId: 'T1',
    channelId: 'C1',
    threadId: '1.0',
    template: 'Dear {{name}}, hello there, a template long enough.',
    recipientName: 'Ada Lovelace',
    recipientInterest: 'engines',
  });
  await markSucceeded(db.pool, g.id, { email: 'Dear Dr. Lovelace, …', sources: [] });
  await commitMarkSent(db.pool, g);
  const o = await scheduleFollowUp(db.pool, ada.id, g.id, 0);
  return { g, data: { outreachId: o!.id, dueAt: o!.followUpAt!.toISOString() } };
}

it('posts once when the same job is delivered twice at the same time; takes a quota slot; spends', async () => {
  const { g, data } = await dueReminder();
  const before = await countTodayForQuota(db.pool, ada.id);
  posted.length = 0;
  calls = 0;
  await Promise.all([handleFollowUp(deps(), data), handleFollowUp(deps(), data)]);
  expect(posted).toHaveLength(1);
  expect(posted[0]).toMatchObject({ kind: 'draft', recipientName: 'Ada Lovelace' });
  expect(calls).toBe(1);
  expect(await countTodayForQuota(db.pool, ada.id)).toBe(before + 1);
  const { rows } = await db.pool.query<{ usd: string }>('SELECT usd FROM spend WHERE generation_id = $1', [g.id]);
  expect(rows.length).toBe(1);
  expect(Number(rows[0]!.usd)).toBeGreaterThan(0);
  // A redelivery later (after a restart) finds it posted.
  await handleFollowUp(deps(), data);
  expect(posted).toHaveLength(1);
});

it('posts nothing after Got a reply', async () => {
  const { g, data } = await dueReminder();
  await stopFollowUp(db.pool, ada.id, g.id, 'replied');
  posted.length = 0;
  calls = 0;
  await handleFollowUp(deps(), data);
  expect(posted).toHaveLength(0);
  expect(calls).toBe(0);
});

it('holds it when the workspace budget is spent, says so, calls no model and takes no slot', async () => {
  const { data } = await dueReminder();
  const before = await countTodayForQuota(db.pool, ada.id);
  posted.length = 0;
  calls = 0;
  await handleFollowUp(deps({ dailyBudgetUsd: 0 }), data);
  expect(calls).toBe(0);
  expect(posted).toEqual([expect.objectContaining({ kind: 'held' })]);
  expect(await countTodayForQuota(db.pool, ada.id)).toBe(before);
  const { rows } = await db.pool.query('SELECT follow_up FROM outreach WHERE id = $1', [data.outreachId]);
  expect(rows[0]).toEqual({ follow_up: 'held' });
});
