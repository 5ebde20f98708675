/**
 * `GET /metrics`: Prometheus text that parses, whose counters move by exactly one per generation
 * (outcome, each step's duration count), by each billed LLM answer and its tokens, and whose queue
 * gauge and process memory are there; chat API calls are counted by platform and outcome; the
 * queue gauge's query runs at most once per cache period.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getGeneration } from '../../src/db/generations.ts';
import { createGeneration } from '../../src/requests/commit/start.ts';
import { startQueue, type JobQueue } from '../../src/jobs/queue.ts';
import { startWorker } from '../../src/jobs/worker.ts';
import { createPromMetrics, METRICS_PATH, type PromMetrics } from '../../src/http/metrics.ts';
import { startHttpServer, type HttpServer } from '../../src/http/server.ts';
import { silentLogger } from '../../src/log.ts';
import { createPipelineClients, type PipelineClients } from '../../src/pipeline/clients/index.ts';
import { DEFAULT_PRICES } from '../../src/pipeline/prices.ts';
import { chatHostsOf, watchChatCalls } from '../../src/telemetry/chat-calls.ts';
import { startFakeHttp, type FakeHttp } from '../fakes/http.ts';
import { countingDb } from '../helpers/counting-db.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { createRecordingReporter, createRecordingTable } from '../helpers/recording-reporter.ts';
import { RECIPIENT, TEMPLATE, startServices, type Services } from '../helpers/services.ts';

const logger = silentLogger();
let db: TestDatabase;
let queue: JobQueue;
let services: Services;
let clients: PipelineClients;
let prom: PromMetrics;
let server: HttpServer;
let worker: Awaited<ReturnType<typeof startWorker>>;

beforeAll(async () => {
  db = await createTestDatabase({ migrated: true });
  await createRecordingTable(db.pool);
  queue = await startQueue({ connectionString: db.url, logger });
  services = await startServices();
  clients = createPipelineClients(services.config(), logger, { arxivIntervalMs: 0 });
  prom = await createPromMetrics({ db: db.pool });
  server = await startHttpServer({ port: 0, host: '127.0.0.1', logger, routes: [prom.route] });
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
      observability: { prices: DEFAULT_PRICES, metrics: prom.metrics },
    },
    { boss: queue.boss, concurrency: 1, polling: { pollingIntervalSeconds: 0.5, notifyPollingIntervalSeconds: 0.5 } },
  );
});
afterAll(async () => {
  await worker?.stop(5_000);
  await server?.close();
  await clients?.close();
  await services?.close();
  await queue?.stop({ timeoutMs: 5_000 });
  await db?.drop();
});

/** A sample of the text format: `name{label="v",…} value`. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * A small parser of Prometheus's text exposition format (0.0.4): HELP/TYPE comments, samples with
 * optional quoted labels (escapes \\, \", \n) and a float value. Throws on a line it cannot read.
 */
function parsePrometheus(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) {
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* /.test(line)) continue;
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    if (!m) throw new Error(`not a Prometheus text line: ${line}`);
    const labels: Record<string, string> = {};
    const labelText = m[2] ?? '';
    const labelPattern = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/gy;
    let consumed = 0;
    for (const l of labelText.matchAll(labelPattern)) {
      labels[l[1]!] = l[2]!.replace(/\\n/g, '\n').replace(/\\(["\\])/g, '$1');
      consumed = l.index + l[0].length;
    }
    if (consumed !== labelText.length) throw new Error(`bad labels: ${line}`);
    // As Prometheus reads it (Go's ParseFloat): NaN and Inf in any case.
    const raw = m[3]!.toLowerCase();
    const value =
      raw === 'nan' ? Number.NaN : /^[+-]?inf$/.test(raw) ? (raw.startsWith('-') ? -1 : 1) * Infinity : Number(raw);
    if (Number.isNaN(value) && raw !== 'nan') throw new Error(`bad value: ${line}`);
    samples.push({ name: m[1]!, labels, value });
  }
  return { samples, types };
}

async function scrape() {
  const res = await fetch(`http://127.0.0.1:${server.port}${METRICS_PATH}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
  return parsePrometheus(await res.text());
}

const value = (s: Sample[], name: string, labels: Record<string, string> = {}) =>
  s
    .filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))
    .reduce((n, x) => n + x.value, 0);

describe('/metrics', () => {
  it('parses, and its counters move by exactly one per generation', async () => {
    const before = await scrape();
    expect(before.types.get('scribe_generations_total')).toBe('counter');
    expect(before.types.get('scribe_step_duration_seconds')).toBe('histogram');
    expect(before.types.get('scribe_queue_jobs')).toBe('gauge');
    expect(value(before.samples, 'process_resident_memory_bytes')).toBeGreaterThan(0);
    expect(
      before.samples
        .filter((s) => s.name === 'scribe_queue_jobs')
        .map((s) => s.labels.state)
        .sort(),
    ).toEqual(['active', 'dead_lettered', 'queued', 'retry']);
    const answersBefore = services.anthropic.answered().length;

    const generation = await createGeneration(
      { pool: db.pool, boss: queue.boss, dailyQuota: 100 },
      {
        user: { platform: 'slack', teamId: 'T1', platformUserId: 'U1' },
        request: { template: TEMPLATE, ...RECIPIENT },
      },
    );
    await expect
      .poll(async () => (await getGeneration(db.pool, generation.id))?.status, { timeout: 30_000 })
      .toBe('succeeded');
    // The outcome is counted when the handler returns, just after the row settles.
    await expect
      .poll(async () => value((await scrape()).samples, 'scribe_generations_total', { outcome: 'succeeded' }), {
        timeout: 10_000,
      })
      .toBe(value(before.samples, 'scribe_generations_total', { outcome: 'succeeded' }) + 1);
    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = {}) =>
      value(after.samples, name, labels) - value(before.samples, name, labels);

    expect(delta('scribe_generations_total')).toBe(1);
    for (const step of ['parse', 'research', 'arxiv', 'compose'])
      expect(delta('scribe_step_duration_seconds_count', { step, outcome: 'done' })).toBe(1);
    const answers = services.anthropic.answered().slice(answersBefore);
    expect(delta('scribe_llm_calls_total')).toBe(answers.length);
    expect(delta('scribe_llm_tokens_total', { kind: 'input' })).toBe(
      answers.reduce((n, a) => n + a.usage.input_tokens, 0),
    );
    expect(delta('scribe_llm_calls_total', { model: 'claude-sonnet-5-5' })).toBeGreaterThanOrEqual(1);
    expect(delta('scribe_cost_usd_total')).toBeCloseTo((await getGeneration(db.pool, generation.id))!.costUsd, 5);
    // pg-boss completes the job just after the handler returns: the gauge, read at scrape time, follows.
    await expect
      .poll(async () => value((await scrape()).samples, 'scribe_queue_jobs', { state: 'active' }), { timeout: 10_000 })
      .toBe(0);
  });

  it('counts chat API calls by platform, with 429s and errors apart', async () => {
    let answer = 200;
    const chat: FakeHttp = await startFakeHttp((_req, res) => {
      res.writeHead(answer, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    const stop = watchChatCalls(chatHostsOf({ slack: `${chat.url}/api/`, discord: undefined }), prom.metrics);
    try {
      const before = (await scrape()).samples;
      // node:http (Slack's WebClient goes through axios on it) and fetch (undici).
      await new Promise<void>((resolve, reject) =>
        http.get(`${chat.url}/api/chat.postMessage`, (res) => res.resume().on('end', resolve)).on('error', reject),
      );
      answer = 429;
      await (await fetch(`${chat.url}/api/chat.update`)).text();
      answer = 500;
      await (await fetch(`${chat.url}/api/chat.update`)).text();
      await (await fetch(`${services.exa.url}/search`, { method: 'POST', body: '{}' })).text(); // not a chat host
      const after = (await scrape()).samples;
      const delta = (labels: Record<string, string>) =>
        value(after, 'scribe_chat_api_requests_total', labels) -
        value(before, 'scribe_chat_api_requests_total', labels);
      expect(delta({ platform: 'slack', outcome: 'ok' })).toBe(1);
      expect(delta({ platform: 'slack', outcome: 'rate_limited' })).toBe(1);
      expect(delta({ platform: 'slack', outcome: 'error' })).toBe(1);
      expect(delta({})).toBe(3);
    } finally {
      stop();
      await chat.close();
    }
  });

  it('counts feedback by value and platform, in text that parses', async () => {
    const before = (await scrape()).samples;
    prom.metrics.feedback('up', 'slack');
    prom.metrics.feedback('up', 'slack');
    prom.metrics.feedback('down', 'discord');
    const after = (await scrape()).samples;
    const delta = (labels: Record<string, string>) =>
      value(after, 'scribe_feedback_total', labels) - value(before, 'scribe_feedback_total', labels);
    expect(delta({ value: 'up', platform: 'slack' })).toBe(2);
    expect(delta({ value: 'down', platform: 'discord' })).toBe(1);
    expect(delta({ value: 'down', platform: 'slack' })).toBe(0);
  });

  it('reads the queue depth from the database at most once per cache period, however often it is scraped', async () => {
    let clock = 0;
    const { db: counted, queries } = countingDb(db.pool);
    const cached = await createPromMetrics({ db: counted, queueCacheMs: 5_000, now: () => clock });
    const gauge = async () =>
      parsePrometheus(await cached.text()).samples.filter((s) => s.name === 'scribe_queue_jobs').length;
    expect(await gauge()).toBe(4);
    clock = 4_999;
    await Promise.all([gauge(), gauge(), gauge()]);
    expect(queries).toHaveLength(1);
    clock = 5_000;
    expect(await gauge()).toBe(4);
    expect(queries).toHaveLength(2);
  });
});
