/**
 * Workers as separate processes, killed outright at the worst moments: the generation still
 * finishes, no step is run twice, and exactly one result is posted. Then three workers share 60
 * generations.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { getGeneration } from '../../src/db/generations.ts';
import type { TestDatabase } from '../helpers/db.ts';
import { postsFor } from '../helpers/recording-reporter.ts';
import type { ScribeProcess } from '../helpers/scribe-process.ts';
import type { Services } from '../helpers/services.ts';
import { startWorkerProcesses, type WorkerProcesses } from '../helpers/worker-processes.ts';

let fx: WorkerProcesses;
let db: TestDatabase;
let services: Services;
let children: ScribeProcess[];

beforeAll(async () => {
  fx = await startWorkerProcesses();
  ({ db, services, children } = fx);
});
afterEach(async () => {
  await fx.stopWorkers();
  services.exa.latencyMs = 0;
  services.anthropic.latencyFor.email = 0;
});
afterAll(() => fx?.close());

const worker = (name: string, extra?: Record<string, string>) => fx.worker(name, extra);
const enqueue = (userId: string) => fx.enqueue(userId);

async function succeeded(id: string, timeout = 60_000) {
  await expect
    .poll(async () => (await getGeneration(db.pool, id))?.status, { timeout, interval: 200 })
    .toBe('succeeded');
  return (await getGeneration(db.pool, id))!;
}

const parseCalls = () => services.anthropic.callsFor('parsed_template').length;

describe('a worker killed mid-job', () => {
  it('is replaced by another that resumes after the last saved step: no second parse, one result', async () => {
    services.exa.latencyMs = 5_000; // step 2 takes a while: the kill lands inside it
    const first = await worker('first');
    const parsesBefore = parseCalls();
    const exaBefore = services.exa.requests.length;
    const id = await enqueue('U-kill-1');
    // Inside step 2: Exa asked (the background search starts with the generation) and the parse saved.
    await expect.poll(() => services.exa.requests.length, { timeout: 20_000, interval: 50 }).toBeGreaterThan(exaBefore);
    await expect
      .poll(async () => Object.keys((await getGeneration(db.pool, id))?.steps ?? {}), { timeout: 20_000, interval: 50 })
      .toContain('parse');
    first.kill('SIGKILL');
    await first.exited;
    services.exa.latencyMs = 0;

    await worker('second');
    const row = await succeeded(id);
    expect(parseCalls() - parsesBefore).toBe(1);
    expect(row.attempts).toBe(2);
    expect((await postsFor(db.pool, id)).filter((p) => p.kind === 'result')).toHaveLength(1);
  });

  it('after the result was recorded but before the status changed: the retry edits, never posts again', async () => {
    await worker('dies-after-ids', { TEST_CRASH_AT: 'after-ids' });
    const id = await enqueue('U-kill-2');
    await children[0]!.exited;
    const stuck = await getGeneration(db.pool, id);
    expect(stuck).toMatchObject({ status: 'running' });
    expect(stuck?.resultMessageIds).toHaveLength(1);

    await worker('second');
    const row = await succeeded(id);
    const results = (await postsFor(db.pool, id)).filter((p) => p.kind === 'result');
    expect(results).toHaveLength(1);
    expect(results[0]!.edits).toBe(1);
    expect(row.resultMessageIds).toEqual([results[0]!.id]);
  });

  it('between the post and saving its address: the retry finds its own post instead of posting again', async () => {
    await worker('dies-after-post', { TEST_CRASH_AT: 'after-post' });
    const id = await enqueue('U-kill-3');
    await children[0]!.exited;
    const stuck = await getGeneration(db.pool, id);
    expect(stuck?.resultMessageIds).toEqual([]);
    expect(stuck?.resultPostingAt).not.toBeNull();

    await worker('second');
    const row = await succeeded(id);
    const results = (await postsFor(db.pool, id)).filter((p) => p.kind === 'result');
    expect(results).toHaveLength(1);
    expect(row.resultMessageIds).toEqual([results[0]!.id]);
  });
});

describe('a worker told to stop', () => {
  it('finishes the job it is running, then exits 0', async () => {
    services.anthropic.latencyFor.email = 1_500;
    const stopping = await worker('stopping');
    const composeBefore = services.anthropic.callsFor('email').length;
    const id = await enqueue('U-drain');
    await expect
      .poll(() => services.anthropic.callsFor('email').length, { timeout: 20_000, interval: 50 })
      .toBeGreaterThan(composeBefore);
    stopping.kill('SIGTERM');
    expect(await stopping.exited).toBe(0);
    expect((await getGeneration(db.pool, id))?.status).toBe('succeeded');
    expect(stopping.events({ event: 'generation.succeeded', generationId: id })).toHaveLength(1);
  });
});

describe('three workers', () => {
  it('share 60 generations: each succeeds exactly once, none is lost, all three work', async () => {
    services.anthropic.latencyFor.email = 30; // a little work per job, so the queue is shared
    const workers = await Promise.all(['w1', 'w2', 'w3'].map((name) => worker(name)));
    const ids: string[] = [];
    for (let i = 0; i < 60; i++) ids.push(await enqueue(`U-scale-${i % 6}`));
    await expect
      .poll(
        async () =>
          (
            await db.pool.query<{ n: number }>(
              "SELECT count(*)::int AS n FROM generations WHERE id = ANY($1) AND status = 'succeeded'",
              [ids],
            )
          ).rows[0]?.n,
        { timeout: 120_000, interval: 250 },
      )
      .toBe(60);
    const { rows } = await db.pool.query<{ generation_id: string; n: number }>(
      "SELECT generation_id, count(*)::int AS n FROM test_thread_posts WHERE kind = 'result' AND generation_id = ANY($1) GROUP BY generation_id",
      [ids],
    );
    expect(rows).toHaveLength(60);
    expect(rows.every((r) => r.n === 1)).toBe(true);
    // A worker logs `generation.succeeded` just after the row's status changes: wait for the last.
    const handledBy = () => workers.map((w) => w.events({ event: 'generation.succeeded' }).length);
    await expect.poll(() => handledBy().reduce((a, b) => a + b, 0), { timeout: 10_000, interval: 50 }).toBe(60);
    const handled = handledBy();
    for (const n of handled) expect(n).toBeGreaterThan(0);
  }, 150_000);
});
