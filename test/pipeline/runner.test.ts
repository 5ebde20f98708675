import { describe, expect, it, vi } from 'vitest';
import { ErrorCode, InvalidAnswerError, PermanentError, RetryableError, ScribeError } from '../../src/errors.ts';
import { SKIP_REASON_ARXIV, runPipeline } from '../../src/pipeline/runner.ts';
import { EMAIL_ANSWER } from '../../src/pipeline/steps/compose.ts';
import { PARSE_ANSWER } from '../../src/pipeline/steps/parse.ts';
import type { PipelineData, ProgressEvent, StepName, StepRecord } from '../../src/pipeline/types.ts';
import { fails, memoryCache, papersDouble, rawAnswer, searchDouble, sequence } from './doubles.ts';
import { BACKGROUND_RESULTS, INPUT, TEMPLATE, fillTemplate, parseAnswer, testDeps } from './fixtures.ts';

const fresh = (): PipelineData => ({ input: { ...INPUT }, steps: {} });
const SCOPE = { platform: 'slack', teamId: 'T1', userId: 'user-1' };

function recorder() {
  const events: ProgressEvent[] = [];
  const saved: { step: StepName; record: StepRecord }[] = [];
  return {
    events,
    saved,
    options: {
      onProgress: (e: ProgressEvent) => void events.push(e),
      onStepDone: async (step: StepName, record: StepRecord) => void saved.push({ step, record }),
    },
  };
}

const busy = (retryAfterMs?: number) =>
  new RetryableError(ErrorCode.ServiceUnavailable, 'Exa is unavailable (503)', {
    service: 'Exa',
    status: 503,
    retryAfterMs,
  });

describe('runPipeline: normal runs', () => {
  it('runs all four steps for a RESEARCH template, saving each as it finishes', async () => {
    const t = testDeps();
    const r = recorder();
    const data = fresh();
    const out = await runPipeline(data, t.deps, r.options);
    expect(data.steps).toEqual({}); // the input is not changed
    expect(Object.keys(out.steps).sort()).toEqual(['arxiv', 'compose', 'identity', 'parse', 'research']);
    expect(out.steps.compose?.output).toMatchObject({ email: fillTemplate(TEMPLATE), draft: false, problems: [] });
    // No directory: identity not verified, so only the papers about the interest (issue 20).
    expect(out.steps.identity?.output?.decision).toBe('no-source');
    expect(out.steps.arxiv?.output?.papers.map((p) => p.id)).toEqual(['2201.00003', '2301.00002']);
    expect(out.steps.research?.output?.sources).toHaveLength(3);
    for (const step of ['parse', 'research', 'identity', 'arxiv', 'compose'] as const) {
      const rec = out.steps[step];
      expect(rec?.status).toBe('done');
      expect(rec?.durationMs).toBeGreaterThanOrEqual(0);
      expect(Number.isNaN(Date.parse(rec?.finishedAt ?? ''))).toBe(false);
    }
    // Research and arXiv run concurrently: either may finish first. Who the recipient is is settled
    // inside the research, once its pages are read, and arXiv waits for it.
    const middle = (names: string[]) => [names[0], names[1], [...names.slice(2, 4)].sort(), names[4]];
    expect(middle(r.saved.map((s) => s.step))).toEqual(['parse', 'identity', ['arxiv', 'research'], 'compose']);
    for (const s of r.saved) expect(s.record).toBe(out.steps[s.step]);
    const kinds = r.events.map((e) => `${e.step}:${e.kind}`);
    expect(kinds.slice(0, 2)).toEqual(['parse:started', 'parse:finished']);
    expect(kinds.slice(2, 6)).toEqual(['research:started', 'arxiv:started', 'identity:started', 'identity:finished']);
    expect(kinds.slice(6, 8).sort()).toEqual(['arxiv:finished', 'research:finished']);
    expect(kinds.slice(8)).toEqual(['compose:started', 'compose:finished']);
    // The papers step's output reached the writer.
    expect(t.llm.requests.at(-1)?.messages[0]?.content).toContain('<paper id="2201.00003"');
  });

  it.each(['BOOK', 'GENERAL'] as const)('skips arXiv for a %s template, with the reason', async (templateType) => {
    const t = testDeps({ templateType });
    const r = recorder();
    const out = await runPipeline(fresh(), t.deps, r.options);
    expect(t.papers.authors).toEqual([]);
    expect(out.steps.arxiv).toMatchObject({ status: 'skipped', output: null, warnings: [] });
    expect(r.events).toContainEqual({ step: 'arxiv', kind: 'skipped', reason: SKIP_REASON_ARXIV });
    expect(r.saved.map((s) => s.step)).toContain('arxiv');
    expect(t.search.queries).toHaveLength(templateType === 'BOOK' ? 2 : 1);
    expect(out.steps.compose?.output?.draft).toBe(false);
  });
});

describe('runPipeline: timing', () => {
  it('measures durations with the elapsed clock and stamps finishedAt with the wall clock', async () => {
    const t = testDeps({ templateType: 'GENERAL' });
    let tick = 0;
    const clock = { elapsed: () => (tick += 250), now: () => Date.UTC(2025, 0, 2, 3, 4, 5) };
    const out = await runPipeline(fresh(), { ...t.deps, clock });
    expect(out.steps.parse).toMatchObject({ durationMs: 250, finishedAt: '2025-01-02T03:04:05.000Z' });
    expect(out.steps.arxiv).toMatchObject({ status: 'skipped', durationMs: 0 });
  });
});

describe('runPipeline: concurrency', () => {
  it('runs research and arXiv at the same time: parse + max(research, arXiv) + compose', async () => {
    // parse 50 ms; research = two concurrent searches (100 ms) + summary (100 ms) = 200 ms;
    // arXiv 150 ms; compose 50 ms. In sequence: 450 ms. Concurrently: 300 ms. The background
    // search needs only the recipient: it starts with the parse.
    // On vitest's virtual clock (the doubles' latencies are timers, the runner's elapsed clock
    // reads the faked performance.now), so the times below are exact, whatever the machine's load.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const t = testDeps({
        latencyMs: { llm: { parsed_template: 50, research_summary: 100, email: 50 }, search: 100, papers: 150 },
      });
      const r = recorder();
      const t0 = globalThis.performance.now();
      const running = runPipeline(
        fresh(),
        { ...t.deps, clock: { elapsed: () => globalThis.performance.now() } },
        r.options,
      );
      await vi.runAllTimersAsync();
      const out = await running;
      const at = (calls: { startedAt: number; endedAt: number | undefined }[]) =>
        calls.map((c) => [c.startedAt - t0, (c.endedAt ?? NaN) - t0]);
      expect(at(t.log.of('llm', PARSE_ANSWER))).toEqual([[0, 50]]);
      // The background search starts with the generation, the publications search (it needs the
      // template's search terms) as soon as the parse ends; they overlap each other.
      expect(at(t.log.of('search'))).toEqual([
        [0, 100],
        [50, 150],
      ]);
      expect(t.search.queries[0]).toMatch(/affiliation role current work$/);
      expect(at(t.log.of('papers'))).toEqual([[50, 200]]);
      expect(at(t.log.of('llm', 'research_summary')).at(-1)).toEqual([150, 250]);
      // Compose waits for both: it starts at max(250, 200), and the whole run takes 300, not 450.
      expect(at(t.log.of('llm', EMAIL_ANSWER))).toEqual([[250, 300]]);
      expect(out.steps.parse?.durationMs).toBe(50);
      expect(out.steps.research?.durationMs).toBe(200);
      expect(out.steps.arxiv?.durationMs).toBe(150);
      expect(out.steps.compose?.durationMs).toBe(50);
    } finally {
      vi.useRealTimers();
    }
  });

  it("reads the background search's pages while the publications search still runs", async () => {
    // The background search starts with the parse (0–100), the publications search after it
    // (50–150): the background's page without text is read at 100, not after 150.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const t = testDeps({
        latencyMs: {
          llm: { parsed_template: 50, research_summary: 100, email: 50 },
          search: 100,
          papers: 150,
          pages: 30,
        },
      });
      const t0 = globalThis.performance.now();
      const running = runPipeline(fresh(), { ...t.deps, clock: { elapsed: () => globalThis.performance.now() } });
      await vi.runAllTimersAsync();
      const out = await running;
      const at = (calls: { startedAt: number; endedAt: number | undefined }[]) =>
        calls.map((c) => [c.startedAt - t0, (c.endedAt ?? NaN) - t0]);
      expect(at(t.log.of('search'))).toEqual([
        [0, 100],
        [50, 150],
      ]);
      expect(t.pages.reads).toEqual(['https://news.example/engines']);
      expect(at(t.log.of('pages'))).toEqual([[100, 130]]);
      // The summary waits for both searches and every page: from 150, the research ends at 250.
      expect(at(t.log.of('llm', 'research_summary')).at(-1)).toEqual([150, 250]);
      expect(out.steps.research?.durationMs).toBe(200);
      expect(out.steps.research?.output?.sources.map((source) => source.url)).toContain('https://news.example/engines');
    } finally {
      vi.useRealTimers();
    }
  });

  it('never overlaps onStepDone calls, and waits for them before going on', async () => {
    const t = testDeps({ latencyMs: { search: 5, papers: 5 } });
    let inside = 0;
    let maxInside = 0;
    const log: string[] = [];
    await runPipeline(fresh(), t.deps, {
      onProgress: (e) => {
        if (e.kind === 'started') log.push(`start ${e.step}`);
      },
      onStepDone: async (step) => {
        inside++;
        maxInside = Math.max(maxInside, inside);
        log.push(`save ${step}`);
        await new Promise((resolve) => setTimeout(resolve, 30));
        log.push(`saved ${step}`);
        inside--;
      },
    });
    expect(maxInside).toBe(1);
    expect(log.indexOf('start compose')).toBeGreaterThan(log.indexOf('saved research'));
    expect(log.indexOf('start compose')).toBeGreaterThan(log.indexOf('saved arxiv'));
    expect(log.indexOf('start research')).toBeGreaterThan(log.indexOf('saved parse'));
  });
});

describe('runPipeline: resume and cache', () => {
  it('resumes from saved steps without calling any port for them', async () => {
    const first = await runPipeline(fresh(), testDeps().deps);
    const t = testDeps();
    const r = recorder();
    const { parse, research, arxiv } = first.steps;
    const out = await runPipeline({ input: INPUT, steps: { parse, research, arxiv } }, t.deps, r.options);
    expect(t.log.calls.map((c) => c.what)).toEqual([EMAIL_ANSWER]);
    expect(r.saved.map((s) => s.step)).toEqual(['compose']);
    expect(r.events.map((e) => `${e.step}:${e.kind}`)).toEqual(['compose:started', 'compose:finished']);
    expect(out.steps.research).toBe(research);

    const again = testDeps();
    await runPipeline(out, again.deps);
    expect(again.log.calls).toEqual([]);
  });

  it('reuses cached research for the same recipient: no search, no scraping, no arXiv', async () => {
    const t = testDeps({ withCache: true });
    await runPipeline(fresh(), t.deps, { cacheScope: SCOPE });
    expect(t.cache?.puts).toHaveLength(1);
    const before = t.log.calls.length;

    const r = recorder();
    const out = await runPipeline({ input: { ...INPUT, recipientName: '  ada   LOVELACE ' }, steps: {} }, t.deps, {
      ...r.options,
      cacheScope: SCOPE,
    });
    const after = t.log.calls.slice(before);
    expect(after.map((c) => c.what)).toEqual([PARSE_ANSWER, EMAIL_ANSWER]);
    expect(t.pages.reads).toHaveLength(1); // only the first run's
    expect(out.steps.research?.reused).toBe(true);
    expect(out.steps.arxiv?.reused).toBe(true);
    expect(r.events).toContainEqual(expect.objectContaining({ step: 'research', kind: 'finished', reused: true }));
    expect(r.saved.map((s) => [s.step, s.record.reused ?? false])).toEqual([
      ['parse', false],
      ['research', true],
      ['identity', true],
      ['arxiv', true],
      ['compose', false],
    ]);
    expect(t.cache?.puts).toHaveLength(1); // nothing new to store
    // What was cached is stored without the reuse mark.
    const stored = [...(t.cache?.entries.values() ?? [])][0]?.value;
    expect(stored?.research?.reused).toBeUndefined();
  });

  it("searches only after the parse when this recipient's research is cached, whatever the template", async () => {
    // Research for Ada from a RESEARCH template is cached; a BOOK template misses the cache (its
    // key has the template type) but the run could not know that before the parse: no early search.
    const first = testDeps({ withCache: true });
    await runPipeline(fresh(), first.deps, { cacheScope: SCOPE });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const t = testDeps({ templateType: 'BOOK', latencyMs: { llm: { parsed_template: 50 }, search: 100 } });
      const t0 = globalThis.performance.now();
      const running = runPipeline(
        fresh(),
        { ...t.deps, cache: first.cache, clock: { elapsed: () => globalThis.performance.now() } },
        { cacheScope: SCOPE },
      );
      await vi.runAllTimersAsync();
      const out = await running;
      expect(t.log.of('search').map((c) => c.startedAt - t0)).toEqual([50, 50]);
      expect(out.steps.research?.reused).toBeUndefined();
      // Another workspace's cache holds nothing for its own recipient: its search starts at once.
      const other = testDeps({ latencyMs: { llm: { parsed_template: 50 }, search: 100 } });
      const t1 = globalThis.performance.now();
      const again = runPipeline(
        fresh(),
        { ...other.deps, cache: first.cache, clock: { elapsed: () => globalThis.performance.now() } },
        { cacheScope: { ...SCOPE, teamId: 'T2' } },
      );
      await vi.runAllTimersAsync();
      await again;
      expect(other.log.of('search').map((c) => c.startedAt - t1)).toEqual([0, 50]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('searches before the parse when the research is to be done afresh, the cache notwithstanding', async () => {
    const first = testDeps({ withCache: true });
    await runPipeline(fresh(), first.deps, { cacheScope: SCOPE });
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
    try {
      const t = testDeps({ latencyMs: { llm: { parsed_template: 50 }, search: 100 } });
      const t0 = globalThis.performance.now();
      const running = runPipeline(
        fresh(),
        { ...t.deps, cache: first.cache, clock: { elapsed: () => globalThis.performance.now() } },
        { cacheScope: SCOPE, freshResearch: true },
      );
      await vi.runAllTimersAsync();
      const out = await running;
      expect(t.log.of('search').map((c) => c.startedAt - t0)).toEqual([0, 50]);
      expect(out.steps.research?.reused).toBeUndefined();
    } finally {
      vi.useRealTimers();
    }
  });

  it('ignores research older than the TTL', async () => {
    let now = 0;
    const t = testDeps();
    const cache = memoryCache(() => now);
    const deps = { ...t.deps, cache, researchCacheTtlMs: 1_000 };
    await runPipeline(fresh(), deps, { cacheScope: SCOPE });
    now = 1_001;
    const searchesBefore = t.search.queries.length;
    const out = await runPipeline(fresh(), deps, { cacheScope: SCOPE });
    expect(t.search.queries.length).toBe(searchesBefore + 2);
    expect(out.steps.research?.reused).toBeUndefined();
  });

  it('does not cache research that found no usable source', async () => {
    const t = testDeps({ withCache: true, templateType: 'GENERAL' });
    const deps = { ...t.deps, search: searchDouble(() => []) };
    const out = await runPipeline(fresh(), deps, { cacheScope: SCOPE });
    expect(out.steps.research?.warnings).toEqual([expect.stringMatching(/^No web page about Ada Lovelace/)]);
    expect(t.cache?.puts).toEqual([]);
  });

  it('does not use the cache at all without a scope', async () => {
    const t = testDeps({ withCache: true });
    await runPipeline(fresh(), t.deps);
    await runPipeline(fresh(), t.deps);
    expect(t.cache?.gets).toEqual([]);
    expect(t.cache?.puts).toEqual([]);
    expect(t.search.queries).toHaveLength(4);
  });
});

describe('runPipeline: failures and retries', () => {
  it('retries a transient failure, honouring retryAfterMs, and reports it', async () => {
    const t = testDeps();
    const search = searchDouble(sequence(fails(busy(2_000)), BACKGROUND_RESULTS, BACKGROUND_RESULTS), { log: t.log });
    const r = recorder();
    const out = await runPipeline(fresh(), { ...t.deps, search }, r.options);
    expect(search.queries).toHaveLength(3);
    expect(t.sleeps).toEqual([2_000]);
    expect(r.events).toContainEqual({
      step: 'research',
      kind: 'retrying',
      attempt: 2,
      of: 3,
      delayMs: 2_000,
      message: 'Exa is unavailable (503)',
    });
    expect(out.steps.compose?.status).toBe('done');
  });

  it('backs off with jitter between LLM retries', async () => {
    const overloaded = new RetryableError(ErrorCode.ServiceUnavailable, 'Anthropic is overloaded (529)', {
      status: 529,
    });
    const t = testDeps({
      llm: {
        structured: { [PARSE_ANSWER]: sequence<unknown, unknown>(fails(overloaded), fails(overloaded), parseAnswer()) },
      },
    });
    await runPipeline(fresh(), t.deps);
    // baseMs 10, random 0.5: half of 10, then half of 20.
    expect(t.sleeps).toEqual([5, 10]);
  });

  it('fails after the last attempt with a retryable error naming the step', async () => {
    const t = testDeps();
    const papers = papersDouble(() => Promise.reject(busy()));
    const r = recorder();
    const error = await runPipeline(fresh(), { ...t.deps, papers }, r.options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({
      step: 'arxiv',
      service: 'Exa',
      message: 'Finding papers on arXiv failed: Exa is unavailable (503)',
    });
    expect(papers.authors).toHaveLength(3);
    expect(r.events.filter((e) => e.kind === 'retrying').map((e) => e.step)).toEqual(['arxiv', 'arxiv']);
  });

  it('fails fast on a permanent error, after saving the concurrent step that succeeded', async () => {
    const t = testDeps();
    const rejected = new PermanentError(ErrorCode.ServiceRejected, 'arXiv rejected the query (400).', {
      service: 'arXiv',
      status: 400,
    });
    const papers = papersDouble(() => Promise.reject(rejected));
    const r = recorder();
    const error = await runPipeline(fresh(), { ...t.deps, papers }, r.options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ step: 'arxiv', code: ErrorCode.ServiceRejected, status: 400 });
    expect((error as Error).message).toBe('Finding papers on arXiv failed: arXiv rejected the query (400).');
    expect((error as Error).cause).toBe(rejected);
    expect(papers.authors).toHaveLength(1);
    expect(t.sleeps).toEqual([]);
    expect(r.events).toContainEqual({ step: 'arxiv', kind: 'failed', message: (error as Error).message });
    // Who the recipient is was settled too (from the pages read): the next try reuses it.
    expect(r.saved.map((s) => s.step)).toEqual(['parse', 'identity', 'research']);
    expect(t.log.of('llm', EMAIL_ANSWER)).toEqual([]);
  });

  it('recovers from one invalid parse answer with a corrective retry', async () => {
    const t = testDeps({
      llm: {
        structured: { [PARSE_ANSWER]: sequence<unknown, unknown>(rawAnswer('RESEARCH, I think'), parseAnswer()) },
      },
    });
    const out = await runPipeline(fresh(), t.deps);
    expect(t.log.of('llm', PARSE_ANSWER)).toHaveLength(2);
    expect(out.steps.compose?.status).toBe('done');
  });

  it('fails the parse step after a second invalid answer, saying what to do', async () => {
    const t = testDeps({
      llm: { structured: { [PARSE_ANSWER]: sequence<unknown, unknown>(rawAnswer('no'), { templateType: 'POEM' }) } },
    });
    const r = recorder();
    const error = await runPipeline(fresh(), t.deps, r.options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidAnswerError);
    expect(error).toMatchObject({ step: 'parse', code: ErrorCode.InvalidAnswer });
    expect((error as Error).message).toMatch(
      /^Reading the template failed: The template parser returned an answer we could not use twice: [\s\S]+\. Try again; if it keeps happening, simplify the template\.$/,
    );
    expect(r.events.at(-1)).toEqual({ step: 'parse', kind: 'failed', message: (error as Error).message });
    // Only the background search, started with the generation (its query needs no parse): no
    // publications search, no arXiv.
    expect(t.search.queries).toEqual([expect.stringMatching(/affiliation role current work$/)]);
    expect(t.log.of('papers')).toEqual([]);
  });

  it('reports an unexpected error as a bug, with the step', async () => {
    const t = testDeps();
    const search = searchDouble(() => {
      throw new TypeError('results.map is not a function');
    });
    const r = recorder();
    const error = await runPipeline(fresh(), { ...t.deps, search }, r.options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ScribeError);
    expect(error).toMatchObject({ step: 'research', code: ErrorCode.Internal });
    expect((error as Error).message).toMatch(
      /^Researching the web failed unexpectedly \(results\.map is not a function\)\. This is a bug in Scribe/,
    );
    // The progress view (chat) gets no text that was not written for it.
    expect(r.events).toContainEqual({
      step: 'research',
      kind: 'failed',
      message: 'Researching the web failed unexpectedly.',
    });
  });

  it('stops with a retryable "interrupted" error when aborted', async () => {
    const t = testDeps();
    const controller = new AbortController();
    controller.abort(new Error('shutting down'));
    const error = await runPipeline(fresh(), t.deps, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect(error).toMatchObject({ step: 'parse' });
    expect((error as Error).message).toMatch(/interrupted/);
    expect(t.log.calls).toEqual([]);
  });
});

describe('runPipeline: acks first (yieldTo)', () => {
  it('waits on yieldTo before each call to an outside service and again before using its answer', async () => {
    const t = testDeps();
    let waits = 0;
    let open!: () => void;
    const held = new Promise<void>((resolve) => {
      open = resolve;
    });
    const firstWait = new Promise<void>((resolve) => {
      const yieldTo = async () => {
        waits += 1;
        resolve();
        await held;
      };
      t.deps.yieldTo = yieldTo;
    });
    // The observer (spans, durations, usage) is entered only once the wait is over, so a call's
    // span does not count it.
    let observed = 0;
    const observer = {
      step: <T>(_step: StepName, fn: () => Promise<T>) => fn(),
      call: <T>(_step: StepName, _call: unknown, _attempt: number, fn: () => Promise<T>) => {
        observed += 1;
        return fn();
      },
    };
    const running = runPipeline(fresh(), t.deps, { observer });
    await firstWait;
    // An ack is on its way: the run has asked nothing of any service yet, nor begun observing a call.
    expect(t.log.calls).toHaveLength(0);
    expect(observed).toBe(0);
    open();
    const out = await running;
    expect(out.steps.compose?.status).toBe('done');
    // Two waits a call: one before it, one after its answer.
    expect(t.log.calls.length).toBeGreaterThan(3);
    expect(waits).toBe(2 * t.log.calls.length);
    expect(observed).toBe(t.log.calls.length);
  });
});
