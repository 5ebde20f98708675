/**
 * What a start is checked against (the quota's count, the workspace's spend, the spend-limit
 * pause) is read in one statement (`todayCounts`, issue 24: each round trip wakes a PostgreSQL
 * backend, which a 2-core box pays for in a burst of 50), and reads what the separate reads read:
 * a Slack person per workspace, a Discord person across guilds, follow-up drafts counted, spend
 * only when asked for.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countTodayForQuota, insertGeneration } from '../../src/db/generations.ts';
import { pauseSpending, pausedUntil, saveUsage, todayCounts, workspaceSpendToday } from '../../src/db/usage.ts';
import { upsertUser, type User, type UserIdentity } from '../../src/db/users.ts';
import type { GenerationUsage } from '../../src/pipeline/usage.ts';
import { loadStartContext } from '../../src/requests/context.ts';
import { countingDb } from '../helpers/counting-db.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

let db: TestDatabase;
const usage: GenerationUsage = {};

async function generation(user: User, teamId: string, costUsd = 0): Promise<void> {
  const g = await insertGeneration(db.pool, {
    userId: user.id,
    platform: user.platform,
    teamId,
    template: 'Dear {{name}}, a template long enough to be one.',
    recipientName: 'Ada Lovelace',
    recipientInterest: 'engines',
  });
  if (costUsd > 0) await saveUsage(db.pool, g.id, usage, costUsd, costUsd);
}

beforeAll(async () => {
  db = await createTestDatabase({ migrated: true });
});
afterAll(() => db?.drop());

describe('todayCounts', () => {
  it('reads the quota, the spend and the pause as the separate reads do, in one statement', async () => {
    const slack: UserIdentity = { platform: 'slack', teamId: 'T1', platformUserId: 'U0ADA' };
    const ada = await upsertUser(db.pool, slack);
    const adaElsewhere = await upsertUser(db.pool, { ...slack, teamId: 'T2' });
    await generation(ada, 'T1', 0.25);
    await generation(ada, 'T1', 0.5);
    await generation(adaElsewhere, 'T2', 2);
    // A Discord person is one person across guilds.
    const grace = await upsertUser(db.pool, { platform: 'discord', teamId: 'G1', platformUserId: '42' });
    const graceElsewhere = await upsertUser(db.pool, { platform: 'discord', teamId: 'G2', platformUserId: '42' });
    await generation(grace, 'G1');
    await generation(graceElsewhere, 'G2');

    const counting = countingDb(db.pool);
    const a = await todayCounts(counting.db, { platform: 'slack', teamId: 'T1', userId: ada.id }, true);
    expect(counting.queries).toHaveLength(1);
    expect(a).toEqual({ usedToday: 2, todayUsd: 0.75, pausedUntil: undefined });
    expect(a.usedToday).toBe(await countTodayForQuota(db.pool, ada.id));
    expect(a.todayUsd).toBe(await workspaceSpendToday(db.pool, 'slack', 'T1'));

    const g = await todayCounts(db.pool, { platform: 'discord', teamId: 'G1', userId: grace.id }, false);
    expect(g).toEqual({ usedToday: 2, todayUsd: 0, pausedUntil: undefined });
    expect(g.usedToday).toBe(await countTodayForQuota(db.pool, grace.id));

    // No person: the spend and the pause alone; a pause is everyone's.
    await pauseSpending(db.pool, 'slack', 'T2', 60_000, 'spend limit');
    const w = await todayCounts(db.pool, { platform: 'slack', teamId: 'T2' }, true);
    expect(w.usedToday).toBe(0);
    expect(w.todayUsd).toBe(2);
    expect(w.pausedUntil).toEqual(await pausedUntil(db.pool));
    expect(w.pausedUntil).toBeInstanceOf(Date);
  });

  it("a start's checks cost two statements: the person's row, then everything counted", async () => {
    const identity: UserIdentity = { platform: 'slack', teamId: 'T9', platformUserId: 'U0BOB' };
    for (const budget of [undefined, 5]) {
      const counting = countingDb(db.pool);
      const context = await loadStartContext(counting.db, identity, 20, undefined, budget);
      expect(counting.queries).toHaveLength(2);
      expect(context.usedToday).toBe(0);
      expect(context.spend).toMatchObject({ todayUsd: 0, budgetUsd: budget });
    }
  });
});
