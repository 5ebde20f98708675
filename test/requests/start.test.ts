/**
 * The start flow in a process that answers chat: before each of its calls to the database or the
 * chat it waits for the acks on their way (`RequestDeps.yieldTo`, afterAcks in the bots), and never
 * inside its transaction. Real Postgres and pg-boss; the port records what the chat was asked.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestDeps } from '../../src/bots/shared/deps.ts';
import { afterAcks } from '../../src/bots/shared/ack-first.ts';
import { startQueue, type JobQueue } from '../../src/jobs/queue.ts';
import { silentLogger } from '../../src/log.ts';
import type { RequestDeps, StartPort } from '../../src/requests/port.ts';
import { createRecentKeys } from '../../src/requests/recent-keys.ts';
import { startGeneration } from '../../src/requests/start.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { RECIPIENT, TEMPLATE } from '../helpers/services.ts';

let db: TestDatabase;
let queue: JobQueue;

beforeAll(async () => {
  db = await createTestDatabase({ migrated: true });
  queue = await startQueue({ connectionString: db.url, logger: silentLogger() });
});

afterAll(async () => {
  await queue?.stop();
  await db?.drop();
});

/** What had happened when a wait began. */
interface Seen {
  users: number;
  generations: number;
  asked: string[];
}

describe('startGeneration: acks first (yieldTo)', () => {
  it('waits before each call to the database or the chat, and not inside its transaction', async () => {
    const asked: string[] = [];
    const port: StartPort = {
      postProgress: async () => {
        asked.push('postProgress');
        return { channelId: 'C1', messageId: '1.1' };
      },
      openThread: async () => {
        asked.push('openThread');
        return '1.1';
      },
      remove: async () => {
        asked.push('remove');
      },
    };
    const count = async (table: string) =>
      (await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`)).rows[0]!.n;
    const seen: Seen[] = [];
    // Each wait is held until the test has read the database: nothing of the flow runs meanwhile.
    const yieldTo = async () => {
      seen.push({ users: await count('users'), generations: await count('generations'), asked: [...asked] });
    };
    const deps: RequestDeps = {
      pool: db.pool,
      boss: queue.boss,
      dailyQuota: 100,
      researchCacheTtlMs: 0,
      logger: silentLogger(),
      recentRequests: createRecentKeys(10_000),
      yieldTo,
    };
    const outcome = await startGeneration(deps, port, {
      identity: { platform: 'discord', teamId: 'G1', platformUserId: 'U1' },
      request: { template: TEMPLATE, ...RECIPIENT },
    });
    expect(outcome.kind).toBe('started');
    expect(seen).toEqual([
      // Before the person's row and counts are read (the row is upserted then).
      { users: 0, generations: 0, asked: [] },
      // Before the outreach memory is read.
      { users: 1, generations: 0, asked: [] },
      // Before the progress message, then the thread.
      { users: 1, generations: 0, asked: [] },
      { users: 1, generations: 0, asked: ['postProgress'] },
      // Before the transaction: once in it, the row and its job are written without a wait.
      { users: 1, generations: 0, asked: ['postProgress', 'openThread'] },
    ]);
    expect(await count('generations')).toBe(1);
  });

  it('is the ack-first wait in the bots', () => {
    const deps = requestDeps(
      {
        pool: db.pool,
        boss: queue.boss,
        dailyQuota: 1,
        researchCacheTtlMs: 0,
        logger: silentLogger(),
      },
      silentLogger(),
    );
    expect(deps.yieldTo).toBe(afterAcks);
  });
});
