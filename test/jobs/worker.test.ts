/**
 * The worker in process: real Postgres, real pg-boss, real clients against the fakes, and a
 * recording reporter that stores posts like a chat platform.
 */
import type pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode, PermanentError, ScribeError } from '../../src/errors.ts';
import { getGeneration, insertGeneration } from '../../src/db/generations.ts';
import { upsertUser } from '../../src/db/users.ts';
import { pollFor } from '../helpers/poll.ts';
import { createGeneration } from '../../src/requests/commit/start.ts';
import { QUEUES, type JobQueue } from '../../src/jobs/queue.ts';
import { regenerate } from '../../src/requests/commit/versions.ts';
import type { ProgressView, ResultView, ThreadReporter } from '../../src/thread/reporter.ts';
import { createResearchCache } from '../../src/jobs/research-cache.ts';
import { startWorker, type WorkerDeps } from '../../src/jobs/worker.ts';
import { silentLogger } from '../../src/log.ts';
import { createPipelineClients, type PipelineClients } from '../../src/pipeline/clients/index.ts';
import { createOpenAlexDirectory } from '../../src/pipeline/clients/openalex.ts';
import type { Llm, PageReader, WebSearch } from '../../src/pipeline/ports.ts';
import type { IdentityHint } from '../../src/pipeline/types.ts';
import { OVERLOADED } from '../fakes/anthropic.ts';
import type { TestDatabase } from '../helpers/db.ts';
import { createRecordingReporter, postsFor } from '../helpers/recording-reporter.ts';
import { ADA_JOURNAL_PAPER, ADA_ORCID } from '../helpers/namesakes.ts';
import { OPENALEX_TEST_KEY, RECIPIENT, TEMPLATE, type Services } from '../helpers/services.ts';
import { openPipelineWorld, type PipelineWorld } from '../helpers/world.ts';

const logger = silentLogger();
const FAST_POLLING = { pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5 };
let world: PipelineWorld;
let db: TestDatabase;
let queue: JobQueue;
let services: Services;
let clients: PipelineClients;
let worker: Awaited<ReturnType<typeof startWorker>> | undefined;

beforeAll(async () => {
  world = await openPipelineWorld({
    enableSpies: true,
    monitorIntervalSeconds: 1,
    tuning: { retryDelaySeconds: 1, retryDelayMaxSeconds: 1 },
  });
  ({ db, queue, services, clients } = world);
});
afterEach(async () => {
  await worker?.stop(5_000);
  worker = undefined;
  services.anthropic.respond(() => undefined);
});
afterAll(() => world?.close());

function deps(overrides: Partial<WorkerDeps['pipeline']> = {}, pool: pg.Pool = db.pool): WorkerDeps {
  return {
    pool,
    reporter: createRecordingReporter(db.pool),
    logger,
    pipeline: {
      ...clients,
      cache: createResearchCache(db.pool),
      models: { fast: 'claude-haiku-5-5', writer: 'claude-sonnet-5-5' },
      researchCacheTtlMs: 0,
      retry: { attempts: 2, baseMs: 10, maxMs: 20 },
      ...overrides,
    },
  };
}

async function start(
  overrides: Partial<WorkerDeps['pipeline']> = {},
  options: { pool?: pg.Pool; sweep?: { intervalMs?: number; graceMs?: number } } = {},
) {
  worker = await startWorker(deps(overrides, options.pool), {
    boss: queue.boss,
    concurrency: 1,
    polling: FAST_POLLING,
    sweep: options.sweep,
  });
}

/**
 * The app's pool, except that the first query matching `pattern` fails as a dropped connection
 * does: the database failing under the worker at one chosen write.
 */
function failingOnce(pool: pg.Pool, pattern: RegExp) {
  const state = { failed: 0 };
  const proxy = new Proxy(pool, {
    get(target, prop) {
      if (prop === 'query') {
        return (...args: unknown[]) => {
          const first = args[0];
          const text = typeof first === 'string' ? first : (first as { text?: string } | undefined)?.text;
          if (state.failed === 0 && text !== undefined && pattern.test(text)) {
            state.failed++;
            return Promise.reject(new Error('Connection terminated unexpectedly'));
          }
          return (target.query as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        };
      }
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { pool: proxy, state };
}

const user = (id: string) => ({ platform: 'slack' as const, teamId: 'T1', platformUserId: id });
async function enqueue(userId = 'U1', identityHint?: IdentityHint) {
  return createGeneration(
    { pool: db.pool, boss: queue.boss, dailyQuota: 1_000 },
    {
      user: user(userId),
      request: { template: TEMPLATE, ...RECIPIENT },
      identityHint,
      address: { channelId: 'C1', threadId: '1.1', progressMessageId: '1.1' },
    },
  );
}
/**
 * The job's states once pg-boss has settled it. The row settles first (the handler writes it,
 * then returns the job's result), so a test that has seen the row waits for the job.
 */
async function jobSettled(generationId: string, queue_: string = QUEUES.generate) {
  await expect
    .poll(() => jobState(generationId, queue_), { timeout: 10_000, interval: 50 })
    .not.toEqual(expect.arrayContaining(['active']));
  return jobState(generationId, queue_);
}
async function settled(id: string) {
  await expect
    .poll(async () => (await getGeneration(db.pool, id))?.status, { timeout: 30_000, interval: 100 })
    .toMatch(/succeeded|failed/);
  return (await getGeneration(db.pool, id))!;
}
const jobState = async (generationId: string, queue_: string = QUEUES.generate) =>
  (await queue.boss.findJobs<{ generationId: string }>(queue_, { data: { generationId } })).map((j) => j.state);

describe('the generate worker', () => {
  it('takes a generation from queued to succeeded, saving every step and posting one result', async () => {
    await start();
    const generation = await enqueue();
    const row = await settled(generation.id);
    expect(row.status).toBe('succeeded');
    expect(Object.keys(row.steps).sort()).toEqual(['arxiv', 'compose', 'identity', 'parse', 'research']);
    expect(row.email).toContain('Dear Dr. Lovelace,');
    // No OpenAlex key: identity not verified, so only the paper about the interest (issue 20).
    expect(row.steps.identity?.output).toMatchObject({ decision: 'no-source' });
    expect(row.sources).toMatchObject({
      web: [{ n: 1, url: 'https://uni.example/~ada' }, { n: 2 }],
      papers: [{ id: '2401.00010' }],
    });
    expect(row.attempts).toBe(1);

    const posts = await postsFor(db.pool, generation.id);
    const results = posts.filter((p) => p.kind === 'result');
    expect(results).toHaveLength(1);
    expect(row.resultMessageIds).toEqual([results[0]!.id]);
    const progress = posts.find((p) => p.kind === 'progress')!.body as {
      status: string;
      steps: Record<string, { state: string }>;
    };
    expect(progress.status).toBe('succeeded');
    expect(Object.values(progress.steps).map((s) => s.state)).toEqual(['done', 'done', 'done', 'done', 'done']);
    expect(await jobSettled(generation.id)).toEqual(['completed']);
  });

  it("hands the row's identity hint to the identity step: an ORCID iD settles who it is (issue 20)", async () => {
    await start({ directory: createOpenAlexDirectory({ apiUrl: services.openalex.url, apiKey: OPENALEX_TEST_KEY }) });
    const generation = await enqueue('U1', { orcid: ADA_ORCID });
    expect((await getGeneration(db.pool, generation.id))?.identityHint).toEqual({ orcid: ADA_ORCID });
    const row = await settled(generation.id);
    expect(row.status).toBe('succeeded');
    expect(row.steps.identity?.output).toMatchObject({ decision: 'confident', basis: 'hint', chosenId: 'A100' });
    expect(services.openalex.searches()).toEqual([]); // decisive: no search by name
    const result = (await postsFor(db.pool, generation.id)).find((p) => p.kind === 'result')!.body as ResultView;
    expect(result.about).toBe(`About: Ada Lovelace · University of London · ORCID ${ADA_ORCID}`);
    expect(result.papers.map((p) => p.title)).toEqual(['Programs for analytical engines', ADA_JOURNAL_PAPER]);
    await jobSettled(generation.id);
  });

  it('retries a service that stays down, tells the thread, then fails and dead-letters the job', async () => {
    services.anthropic.respond(() => undefined);
    const always529 = Array.from({ length: 40 }, () => OVERLOADED);
    services.anthropic.failNext(always529);
    await start();
    const generation = await enqueue('U-down');
    const row = await settled(generation.id);
    services.anthropic.clearFailures(); // nothing left over for later tests
    expect(row.status).toBe('failed');
    expect(row.attempts).toBe(4);
    // The row says what failed; the thread's reply adds the chat's way to try again.
    expect(row.error).toBe(
      'Reading the template failed: Anthropic is overloaded (529): Overloaded — failed after 4 tries.',
    );
    // The row is marked first, the thread told just after: wait for the reply, not for a guess.
    const failures = async () =>
      (await postsFor(db.pool, generation.id))
        .filter((p) => p.kind === 'failed')
        .map((p) => (p.body as { message: string }).message);
    await expect.poll(failures, { timeout: 10_000 }).toEqual([`${row.error} Try again later with 🔁 or /scribe.`]);
    const posts = await postsFor(db.pool, generation.id);
    expect(posts.filter((p) => p.kind === 'result')).toHaveLength(0);
    expect(await jobSettled(generation.id)).toEqual(['failed']);
    expect(await jobState(generation.id, QUEUES.generateDead)).toHaveLength(1);
  }, 60_000);

  it('fails a permanent error at once, without retries', async () => {
    const wrongKey = createPipelineClients(services.config({ ANTHROPIC_API_KEY: 'sk-ant-wrong' }), logger);
    await start({ llm: wrongKey.llm });
    const generation = await enqueue('U-401');
    const row = await settled(generation.id);
    expect(row.status).toBe('failed');
    expect(row.attempts).toBe(1);
    expect(row.error).toBe(
      'Reading the template failed: Anthropic rejected our credentials (401): check ANTHROPIC_API_KEY',
    );
    expect(await jobSettled(generation.id)).toEqual(['failed']);
    expect(await jobState(generation.id, QUEUES.generateDead)).toHaveLength(1);
  });

  it("regenerates with the parent's research and identity: no new search, scraping, arXiv or OpenAlex, only the composer", async () => {
    await start({ directory: createOpenAlexDirectory({ apiUrl: services.openalex.url, apiKey: OPENALEX_TEST_KEY }) });
    const parent = await settled((await enqueue('U-regen')).id);
    expect(parent.steps.identity?.output).toMatchObject({ decision: 'confident', chosenId: 'A100' });
    const counts = () => ({
      exa: services.exa.requests.length,
      arxiv: services.arxiv.requests.length,
      openalex: services.openalex.requests.length,
      pages: services.pages.requests.length,
      parse: services.anthropic.callsFor('parsed_template').length,
      compose: services.anthropic.callsFor('email').length,
    });
    const before = counts();
    const child = await regenerate(
      { pool: db.pool, boss: queue.boss, dailyQuota: 1_000, researchCacheTtlMs: 3_600_000 },
      { generationId: parent.id, byUser: user('U-regen'), instruction: 'Make it shorter' },
    );
    const row = await settled(child.id);
    expect(row).toMatchObject({ status: 'succeeded', parentId: parent.id, version: 2 });
    expect(counts()).toEqual({ ...before, compose: before.compose + 1 });
    expect(row.steps.identity).toEqual({ ...parent.steps.identity, reused: true });
    expect(services.anthropic.callsFor('email').at(-1)?.messages[0]?.content).toContain(
      'The sender also asks: Make it shorter',
    );
  });

  it('refuses a regeneration by someone else', async () => {
    await start();
    const parent = await settled((await enqueue('U-owner')).id);
    await expect(
      regenerate(
        { pool: db.pool, boss: queue.boss, dailyQuota: 1_000, researchCacheTtlMs: 0 },
        { generationId: parent.id, byUser: user('U-stranger') },
      ),
    ).rejects.toThrow('Only the person who asked for this email (or an admin) can regenerate it.');
  });

  it('shares cached research within a workspace only: another team researches afresh', async () => {
    await start({ researchCacheTtlMs: 3_600_000 });
    const inTeam = (teamId: string, platformUserId: string) =>
      createGeneration(
        { pool: db.pool, boss: queue.boss, dailyQuota: 1_000 },
        {
          user: { platform: 'slack', teamId, platformUserId },
          request: { template: TEMPLATE, ...RECIPIENT },
          address: { channelId: 'C1', threadId: '1.1', progressMessageId: '1.1' },
        },
      );
    const searches = () => services.exa.requests.length;
    const before = searches();
    expect((await settled((await inTeam('T-cache-1', 'U-c1')).id)).status).toBe('succeeded');
    const afterFirst = searches();
    expect(afterFirst).toBeGreaterThan(before);
    // A colleague in the same workspace reuses it.
    const colleague = await settled((await inTeam('T-cache-1', 'U-c2')).id);
    expect(colleague.status).toBe('succeeded');
    expect(searches()).toBe(afterFirst);
    expect((colleague.steps as { research?: { reused?: boolean } }).research?.reused).toBe(true);
    // Another workspace asking about the same recipient does not.
    const stranger = await settled((await inTeam('T-cache-2', 'U-c3')).id);
    expect(stranger.status).toBe('succeeded');
    expect(searches()).toBeGreaterThan(afterFirst);
    expect((stranger.steps as { research?: { reused?: boolean } }).research?.reused).toBeUndefined();
  });
});

describe('what the worker tells the thread about errors', () => {
  const SECRET = 'configured-exa-secret-77';
  const failingLlm = (err: unknown): Llm => ({
    complete: async () => {
      throw err;
    },
    structured: async () => {
      throw err;
    },
  });
  /** Starts a worker with the config's secrets; returns every progress view the thread was sent. */
  async function startScrubbing(overrides: Partial<WorkerDeps['pipeline']>) {
    const recording = createRecordingReporter(db.pool);
    const views: ProgressView[] = [];
    const reporter: ThreadReporter = {
      ...recording,
      progress: (address, view) => {
        views.push(view);
        return recording.progress(address, view);
      },
    };
    worker = await startWorker(
      { ...deps(overrides), reporter, secrets: [SECRET] },
      { boss: queue.boss, concurrency: 1, polling: FAST_POLLING },
    );
    return views;
  }
  const failedMessages = async (id: string) =>
    (await postsFor(db.pool, id))
      .filter((p) => p.kind === 'failed')
      .map((p) => (p.body as { message: string }).message);

  it('scrubs secrets, key shapes and internal addresses from a failure before it reaches the thread', async () => {
    const leaky = new PermanentError(
      ErrorCode.ServiceRejected,
      `Anthropic rejected the request (400): proxy http://10.0.0.7:8080/v1/messages echoed x-api-key: sk-ant-api03-leakedleaked and ${SECRET}`,
      { service: 'Anthropic', status: 400 },
    );
    const views = await startScrubbing({ llm: failingLlm(leaky) });
    const generation = await enqueue('U-leak');
    const row = await settled(generation.id);
    expect(row.status).toBe('failed');
    const [message, ...others] = await failedMessages(generation.id);
    expect(others).toEqual([]);
    expect(message).toBe(
      'Reading the template failed: Anthropic rejected the request (400): proxy [internal address] echoed x-api-key: [redacted] and [redacted]',
    );
    expect(row.error).toBe(message);
    const shown = JSON.stringify(views);
    expect(views.at(-1)).toMatchObject({ status: 'failed', error: message });
    for (const leak of [SECRET, 'sk-ant-api03-leakedleaked', '10.0.0.7']) expect(shown).not.toContain(leak);
  });

  it('says a plain Error in generic words, with a reference, and shows its text nowhere in the thread', async () => {
    const bug = new TypeError(
      "Cannot read properties of undefined (reading 'content') at /srv/scribe/src/pipeline/ask.ts:42",
    );
    const views = await startScrubbing({ llm: failingLlm(bug) });
    const generation = await enqueue('U-bug');
    const row = await settled(generation.id);
    expect(row.status).toBe('failed');
    const generic = `Something went wrong on our side (reference ${generation.id.slice(0, 8)}); the team has the details in the logs.`;
    expect(await failedMessages(generation.id)).toEqual([generic]);
    expect(row.error).toBe(generic);
    expect(views.at(-1)).toMatchObject({
      status: 'failed',
      error: generic,
      steps: { parse: { state: 'failed', note: 'Reading the template failed unexpectedly.' } },
    });
    expect(JSON.stringify(views)).not.toMatch(/Cannot read|srv\/scribe/);
  });

  it('scrubs step warnings shown in the progress view, keeping public hosts', async () => {
    const search: WebSearch = {
      search: async () => ({ results: [{ url: 'https://public.example/ada', title: 'Ada', text: undefined }] }),
    };
    const pages: PageReader = {
      read: async () => {
        throw new ScribeError(ErrorCode.PageFailed, 'ECONNREFUSED 10.9.8.7:443 via http://proxy.internal:3128');
      },
      close: async () => undefined,
    };
    const views = await startScrubbing({ search, pages });
    const generation = await enqueue('U-warn');
    expect((await settled(generation.id)).status).toBe('succeeded');
    const warnings = views.at(-1)?.steps.research.warnings ?? [];
    expect(warnings[0]).toBe(
      '1 of 1 pages could not be read: public.example/ada (ECONNREFUSED [internal address] via [internal address])',
    );
    expect(JSON.stringify(views)).not.toMatch(/10\.9\.8\.7|proxy\.internal/);
  });

  it('leaves a failed row and tells the thread once when the database fails as the last try is marked failed', async () => {
    services.anthropic.failNext(Array.from({ length: 40 }, () => OVERLOADED));
    // Only markFailed's statement (the sweeper's conditional update differs) fails, once.
    const flaky = failingOnce(db.pool, /SET status = 'failed', error = \$2, finished_at/);
    await start({}, { pool: flaky.pool, sweep: { intervalMs: 200, graceMs: 0 } });
    const generation = await enqueue('U-db-at-the-end');
    const row = await settled(generation.id);
    services.anthropic.clearFailures();
    expect(flaky.state.failed).toBe(1);
    expect(row.status).toBe('failed');
    expect(row.attempts).toBe(4);
    expect(row.error).toBe(
      'Reading the template failed: Anthropic is overloaded (529): Overloaded — failed after 4 tries.',
    );
    expect(await jobSettled(generation.id)).toEqual(['failed']);
    expect(await jobState(generation.id, QUEUES.generateDead)).toHaveLength(1);
    // Told once: by the handler at once, not again by the sweep that settled the row.
    await worker!.sweep();
    const posts = await postsFor(db.pool, generation.id);
    expect(posts.filter((p) => p.kind === 'failed').map((p) => (p.body as { message: string }).message)).toEqual([
      `${row.error} Try again later with 🔁 or /scribe.`,
    ]);
    expect((posts.find((p) => p.kind === 'progress')?.body as { status: string } | undefined)?.status).toBe('failed');
  }, 60_000);

  it('redoes a saved step whose record does not parse, and keeps the others', async () => {
    await start();
    const source = await settled((await enqueue('U-corrupt-source')).id);
    await worker!.stop(5_000);
    worker = undefined;
    // A row resumed with a broken research record (an older shape, a hand edit) and no email yet.
    const generation = await enqueue('U-corrupt');
    const { parse, research, arxiv } = source.steps;
    const broken = { ...research, output: { summary: 42, sources: 'none' } };
    await db.pool.query('UPDATE generations SET steps = $2 WHERE id = $1', [
      generation.id,
      JSON.stringify({ parse, research: broken, arxiv }),
    ]);
    const loaded = (await getGeneration(db.pool, generation.id))!;
    expect(Object.keys(loaded.steps).sort()).toEqual(['arxiv', 'parse']);
    expect(loaded.invalidSteps.map((i) => i.step)).toEqual(['research']);

    const counts = () => ({
      exa: services.exa.requests.length,
      arxiv: services.arxiv.requests.length,
      parse: services.anthropic.callsFor('parsed_template').length,
      compose: services.anthropic.callsFor('email').length,
    });
    const before = counts();
    await start();
    const row = await settled(generation.id);
    expect(row.status).toBe('succeeded');
    const after = counts();
    expect(after.parse).toBe(before.parse); // kept
    expect(after.arxiv).toBe(before.arxiv); // kept
    expect(after.exa).toBeGreaterThan(before.exa); // redone
    expect(after.compose).toBe(before.compose + 1);
    expect(row.invalidSteps).toEqual([]);
    expect(row.steps.research?.output?.summary).toEqual(expect.any(String));
    expect(row.steps.parse).toEqual(parse);
  });
});

describe('the queue board in a process that answers chat', () => {
  it("waits on the pipeline's yieldTo (the acks on their way) before it edits a waiting message", async () => {
    // A generation waiting in the queue that no worker may take yet: its job starts in a minute.
    const g = await insertGeneration(db.pool, {
      userId: (await upsertUser(db.pool, { platform: 'slack', teamId: 'T1', platformUserId: 'U0BOARD' })).id,
      platform: 'slack',
      teamId: 'T1',
      channelId: 'C1',
      progressMessageId: '1700000002.000100',
      template: TEMPLATE,
      ...RECIPIENT,
    });
    const jobId = await queue.boss.send(
      QUEUES.generate,
      { generationId: g.id },
      { singletonKey: g.id, startAfter: 60 },
    );
    const order: string[] = [];
    const recording = createRecordingReporter(db.pool);
    const reporter: ThreadReporter = {
      ...recording,
      progress: async (address, view) => {
        if (view.queue) order.push('edit');
        return recording.progress(address, view);
      },
    };
    try {
      worker = await startWorker(
        { ...deps({ yieldTo: async () => void order.push('wait') }), reporter },
        { boss: queue.boss, concurrency: 1, polling: FAST_POLLING, queueBoardIntervalMs: 100 },
      );
      await pollFor(() => order.includes('edit'), { message: "the board's edit of the waiting message" });
      // Nothing else runs in this worker: every wait is the board's, and one came before the edit.
      expect(order[order.indexOf('edit') - 1]).toBe('wait');
    } finally {
      await queue.boss.deleteJob(QUEUES.generate, jobId!);
    }
  });
});
