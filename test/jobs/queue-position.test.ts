import { AsyncLocalStorage } from 'node:async_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/log.ts';
import { startQueueBoard } from '../../src/jobs/queue-board.ts';
import type { ThreadReporter } from '../../src/thread/reporter.ts';
import { describePosition, ordinal, queuePosition, queuePositions } from '../../src/jobs/queue-position.ts';
import { createGeneration } from '../../src/requests/commit/start.ts';
import { QUEUES, type GenerateJob, type JobQueue } from '../../src/jobs/queue.ts';
import type { TestDatabase } from '../helpers/db.ts';
import { openQueueWorld, type QueueWorld } from '../helpers/world.ts';

const TEMPLATE = 'Dear {{name}},\n\nI read your work on {{topic}} and would love to talk.\n\nBest, Sam';

let world: QueueWorld;
let db: TestDatabase;
let queue: JobQueue;

beforeAll(async () => {
  // No worker on this queue: every job sent stays waiting.
  world = await openQueueWorld();
  ({ db, queue } = world);
});

afterAll(() => world?.close());

const create = (user: string, name: string) =>
  createGeneration(
    { pool: db.pool, boss: queue.boss, dailyQuota: 100 },
    {
      user: { platform: 'slack', teamId: 'T1', platformUserId: user, displayName: user },
      request: { template: TEMPLATE, recipientName: name, recipientInterest: 'graph theory' },
    },
  );

describe('queuePositions', () => {
  it('numbers waiting generations in the order pg-boss will start them, and moves them up as jobs start', async () => {
    const a = await create('U1', 'Ada Lovelace');
    const b = await create('U2', 'Grace Hopper');
    const c = await create('U3', 'Emmy Noether');

    let positions = await queuePositions(db.pool);
    expect([a, b, c].map((g) => positions.get(g.id)?.position)).toEqual([1, 2, 3]);
    // Nothing has finished yet: no duration to estimate from.
    expect(positions.get(b.id)?.etaSeconds).toBeUndefined();

    // Three finished generations of 10, 20 and 30 s: the median is 20 s.
    const done = await Promise.all(['x', 'x', 'x'].map((n, i) => create(`U-done-${i}`, n)));
    for (const [i, g] of done.entries()) {
      await db.pool.query(
        `UPDATE generations SET status = 'succeeded', started_at = now() - make_interval(secs => $2 + 60),
           finished_at = now() - interval '60 seconds' WHERE id = $1`,
        [g.id, (i + 1) * 10],
      );
      // Their jobs are no longer waiting.
      await queue.boss.cancel(QUEUES.generate, (await jobIdOf(g.id))!);
    }

    // The first job starts: the others move up, and one job is running (one slot).
    const [started] = await queue.boss.fetch<GenerateJob>(QUEUES.generate);
    expect(started?.data.generationId).toBe(a.id);
    positions = await queuePositions(db.pool);
    expect(positions.has(a.id)).toBe(false);
    expect(positions.get(b.id)).toEqual({ generationId: b.id, position: 1, etaSeconds: 20 });
    expect(positions.get(c.id)).toEqual({ generationId: c.id, position: 2, etaSeconds: 40 });
    expect(await queuePosition(db.pool, c.id)).toEqual(positions.get(c.id));
    expect(await queuePosition(db.pool, a.id)).toBeUndefined();
  });
});

describe('the queue board', () => {
  it("edits a waiting generation's message outside the job that poked it (the worker's reporter is fenced to that job)", async () => {
    const waiting = await create('U-board', 'Mary Somerville');
    await db.pool.query("UPDATE generations SET progress_message_id = '1700000000.000100' WHERE id = $1", [waiting.id]);
    // Stands for the job attempt a worker's handler runs in (trackClaims keeps one per job).
    const attempt = new AsyncLocalStorage<string>();
    const edits: { generationId: string; queue: string | undefined; within: string | undefined }[] = [];
    const reporter: ThreadReporter = {
      async progress(address, view) {
        edits.push({ generationId: address.generationId, queue: view.queue, within: attempt.getStore() });
      },
      async result() {
        return { messageIds: [] };
      },
      async failed() {},
    };
    const board = startQueueBoard({ pool: db.pool, reporter, logger: silentLogger() }, { intervalMs: 60_000 });
    try {
      // A job that just ended pokes it, and the next one pokes again while that refresh runs.
      await attempt.run('job that ended', async () => {
        board.poke();
        await attempt.run('job that starts', () => board.refresh());
      });
      const mine = edits.filter((e) => e.generationId === waiting.id);
      expect(mine).toHaveLength(1);
      expect(mine[0]!.queue).toMatch(/in line/);
      expect(mine[0]!.within).toBeUndefined();
    } finally {
      await board.stop();
    }
  });
});

describe('the queue board in a process that answers chat', () => {
  it('waits for the acks on its way before its read and before each message (yieldTo)', async () => {
    const waiting = [await create('U-wait-1', 'Sophie Germain'), await create('U-wait-2', 'Émilie du Châtelet')];
    for (const [i, g] of waiting.entries())
      await db.pool.query('UPDATE generations SET progress_message_id = $2 WHERE id = $1', [
        g.id,
        `1700000001.00010${i}`,
      ]);
    const log: string[] = [];
    const reporter: ThreadReporter = {
      async progress(address) {
        log.push(`edit ${address.generationId}`);
      },
      async result() {
        return { messageIds: [] };
      },
      async failed() {},
    };
    // Each wait is held for a while: nothing of the refresh runs meanwhile.
    const yieldTo = async () => {
      const at = log.length;
      log.push('wait');
      await new Promise((r) => setTimeout(r, 20));
      expect(log).toHaveLength(at + 1);
    };
    const board = startQueueBoard({ pool: db.pool, reporter, logger: silentLogger(), yieldTo }, { intervalMs: 60_000 });
    try {
      await board.refresh();
    } finally {
      await board.stop();
    }
    const edited = log.filter((l) => l.startsWith('edit '));
    for (const g of waiting) expect(edited).toContain(`edit ${g.id}`);
    // One wait before the positions are read, then one before each message's read and edit.
    expect(log[0]).toBe('wait');
    for (const [i, line] of log.entries()) if (line.startsWith('edit ')) expect(log[i - 1]).toBe('wait');
    expect(log.filter((l) => l === 'wait').length).toBeGreaterThanOrEqual(edited.length + 1);
  });
});

async function jobIdOf(generationId: string): Promise<string | undefined> {
  const jobs = await queue.boss.findJobs<GenerateJob>(QUEUES.generate, { data: { generationId } });
  return jobs[0]?.id;
}

describe('describePosition', () => {
  it('says the place and the estimate as a person would', () => {
    expect(describePosition({ position: 2, etaSeconds: 40 })).toBe('2nd in line — about 40 s');
    expect(describePosition({ position: 1, etaSeconds: 12 })).toBe('Next in line — about 10 s');
    expect(describePosition({ position: 3, etaSeconds: 150 })).toBe('3rd in line — about 3 min');
    expect(describePosition({ position: 4, etaSeconds: undefined })).toBe('4th in line');
    expect([1, 2, 3, 4, 11, 12, 13, 21, 22, 101, 111].map(ordinal)).toEqual([
      '1st',
      '2nd',
      '3rd',
      '4th',
      '11th',
      '12th',
      '13th',
      '21st',
      '22nd',
      '101st',
      '111th',
    ]);
  });
});
