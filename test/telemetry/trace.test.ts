/**
 * One trace per generation, on the real SDK with its in-memory exporter: started by the request
 * layer (the slash command), carried in the job payload through real pg-boss, continued in the
 * worker, with a span per step and per LLM/Exa/arXiv/page call (token counts as Anthropic billed
 * them), the SDK's undici spans under the calls, and the trace id on the generation's log lines.
 */
import { Writable } from 'node:stream';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { getGeneration } from '../../src/db/generations.ts';
import { startQueue, type JobQueue } from '../../src/jobs/queue.ts';
import { startWorker } from '../../src/jobs/worker.ts';
import { createLogger, silentLogger } from '../../src/log.ts';
import { createPipelineClients, type PipelineClients } from '../../src/pipeline/clients/index.ts';
import { createRecentKeys } from '../../src/requests/recent-keys.ts';
import { startGeneration } from '../../src/requests/start.ts';
import { createOtelTracer } from '../../src/telemetry/otel.ts';
import { NO_TRACER, setTracer, type Tracer } from '../../src/telemetry/tracer.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { createRecordingReporter, createRecordingTable } from '../helpers/recording-reporter.ts';
import { RECIPIENT, TEMPLATE, startServices, type Services } from '../helpers/services.ts';

const exporter = new InMemorySpanExporter();
const lines: Record<string, unknown>[] = [];
const logger = createLogger({
  level: 'debug',
  destination: new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      done();
    },
  }),
});
let tracer: Tracer;
let db: TestDatabase;
let queue: JobQueue;
let services: Services;
let clients: PipelineClients;
let worker: Awaited<ReturnType<typeof startWorker>>;

beforeAll(async () => {
  tracer = await createOtelTracer({ serviceName: 'scribe-test', exporter });
  setTracer(tracer);
  db = await createTestDatabase({ migrated: true });
  await createRecordingTable(db.pool);
  queue = await startQueue({ connectionString: db.url, logger: silentLogger() });
  services = await startServices();
  clients = createPipelineClients(services.config(), logger, { arxivIntervalMs: 0 });
  worker = await startWorker(
    {
      pool: db.pool,
      reporter: createRecordingReporter(db.pool),
      logger,
      pipeline: {
        ...clients,
        models: { fast: 'claude-haiku-5-5', writer: 'claude-sonnet-5-5' },
        researchCacheTtlMs: 0,
      },
    },
    { boss: queue.boss, concurrency: 1, polling: { pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5 } },
  );
});
afterAll(async () => {
  await worker?.stop(5_000);
  await clients?.close();
  await services?.close();
  await queue?.stop({ timeoutMs: 5_000 });
  await db?.drop();
  await tracer?.shutdown();
  setTracer(NO_TRACER);
});

const parentOf = (s: ReadableSpan) => s.parentSpanContext?.spanId;
const idOf = (s: ReadableSpan) => s.spanContext().spanId;

it('traces a generation from the request to the result, across the queue, with token counts per call', async () => {
  const answersBefore = services.anthropic.answered().length;
  const outcome = await startGeneration(
    {
      pool: db.pool,
      boss: queue.boss,
      dailyQuota: 100,
      researchCacheTtlMs: 0,
      logger,
      recentRequests: createRecentKeys(10_000),
    },
    {
      postProgress: async () => ({ channelId: 'C1', messageId: '1.1' }),
      openThread: async () => '1.1',
      remove: async () => undefined,
    },
    {
      identity: { platform: 'slack', teamId: 'T1', platformUserId: 'U1' },
      request: { template: TEMPLATE, ...RECIPIENT },
    },
  );
  if (outcome.kind !== 'started') throw new Error(`not started: ${outcome.kind}`);
  const id = outcome.generation.id;
  await expect.poll(async () => (await getGeneration(db.pool, id))?.status, { timeout: 30_000 }).toBe('succeeded');
  await expect
    .poll(() => exporter.getFinishedSpans().some((s) => s.name === 'generation'), { timeout: 10_000 })
    .toBe(true);

  const spans = exporter.getFinishedSpans();
  const request = spans.find((s) => s.name === 'request start')!;
  const traceId = request.spanContext().traceId;
  const inTrace = spans.filter((s) => s.spanContext().traceId === traceId);
  expect(parentOf(request)).toBeUndefined();
  expect(request.attributes['scribe.generation_id']).toBe(id);

  // Bot → worker: the worker's span is the request's child, through the job payload.
  const generation = inTrace.find((s) => s.name === 'generation')!;
  expect(parentOf(generation)).toBe(idOf(request));
  const steps = inTrace.filter((s) => s.name.startsWith('step '));
  expect(steps.map((s) => s.name).sort()).toEqual([
    'step arxiv',
    'step compose',
    'step identity',
    'step parse',
    'step research',
  ]);
  const stepId = (name: string) => idOf(steps.find((s) => s.name === `step ${name}`)!);
  for (const step of steps) expect(parentOf(step)).toBe(idOf(generation));
  // No OpenAlex key: the identity step asks no one (issue 20).
  expect(inTrace.filter((s) => s.name === 'openalex.request')).toEqual([]);

  const llm = inTrace.filter((s) => s.name === 'llm');
  const answers = services.anthropic.answered().slice(answersBefore);
  expect(llm).toHaveLength(answers.length);
  const sum = (key: string) => llm.reduce((n, s) => n + Number(s.attributes[key]), 0);
  expect(sum('gen_ai.usage.input_tokens')).toBe(answers.reduce((n, a) => n + a.usage.input_tokens, 0));
  expect(sum('gen_ai.usage.output_tokens')).toBe(answers.reduce((n, a) => n + a.usage.output_tokens, 0));
  expect(llm.every((s) => typeof s.attributes['scribe.cost_usd'] === 'number')).toBe(true);
  expect(llm.filter((s) => parentOf(s) === stepId('compose'))[0]?.attributes['gen_ai.request.model']).toBe(
    'claude-sonnet-5-5',
  );
  const exa = inTrace.filter((s) => s.name === 'exa.search');
  expect(exa.length).toBeGreaterThan(0);
  // The background search starts with the generation, while the template is parsed: under the
  // generation, before the research step; the publications search is in the research step. Both
  // are the research's (`scribe.step`).
  expect(
    exa
      .map((s) =>
        parentOf(s) === idOf(generation) ? 'generation' : parentOf(s) === stepId('research') ? 'research' : 'elsewhere',
      )
      .sort(),
  ).toEqual(['generation', 'research']);
  expect(exa.every((s) => s.attributes['scribe.step'] === 'research')).toBe(true);
  expect(inTrace.filter((s) => s.name === 'arxiv.search').map(parentOf)).toEqual([stepId('arxiv')]);
  const pages = inTrace.filter((s) => s.name === 'page.read');
  expect(pages.length).toBeGreaterThan(0);
  expect(pages[0]?.attributes['url.host']).toMatch(/^127\.0\.0\.1:\d+$/);
  expect(pages.every((s) => s.attributes['scribe.retry_count'] === 0 && s.attributes['scribe.status'] === 'ok')).toBe(
    true,
  );

  // The SDK's undici instrumentation: the Anthropic SDK's fetch is a child of each LLM call's span.
  const llmIds = new Set(llm.map(idOf));
  expect(inTrace.filter((s) => llmIds.has(parentOf(s) ?? '')).length).toBeGreaterThanOrEqual(llm.length);

  // Every log line of the generation carries the trace id.
  const generationLines = lines.filter((l) => l.generationId === id);
  expect(generationLines.length).toBeGreaterThan(3);
  expect(generationLines.every((l) => l.traceId === traceId)).toBe(true);
}, 60_000);
