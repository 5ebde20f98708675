/**
 * Tracing as an operator turns it on: `scribe start` (a child process, Slack and Discord both
 * configured) with OTEL_EXPORTER_OTLP_ENDPOINT pointing at a local OTLP/HTTP receiver. That path
 * goes through boot.ts's re-exec with `--import src/telemetry/preload.ts`, so the SDK's http and
 * pg instrumentations patch their modules before the app imports them. One generation from each
 * platform: its trace has the SDK's `pg` spans under the generation, and a span per chat API call
 * — Slack's Web API (axios on node:http) and Discord REST (undici) — under the request span on the
 * bot side (the progress post) and under the generation on the worker side (progress edits, the
 * result), all in the one trace the request started.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FakeDiscord } from '../fakes/discord/index.ts';
import { startFakeHttp, type FakeHttp } from '../fakes/http.ts';
import type { FakeSlack } from '../fakes/slack/index.ts';
import { startScribeService, type ScribeService } from '../helpers/e2e.ts';
import type { ScribeProcess } from '../helpers/scribe-process.ts';
import { RECIPIENT, TEMPLATE } from '../helpers/services.ts';
import { isSlackResult } from '../helpers/slack-result.ts';

let slack: FakeSlack;
let discord: FakeDiscord;
let receiver: FakeHttp;
let scribe: ScribeProcess;
let e2e: ScribeService;
let port: number;

beforeAll(async () => {
  receiver = await startFakeHttp((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  e2e = await startScribeService(
    { slack: true, discord: true },
    {
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_SERVICE_NAME: 'scribe-e2e',
        // Export soon after each span ends (the SDK's standard variable; default 5 s).
        OTEL_BSP_SCHEDULE_DELAY: '200',
      },
      readyTimeoutMs: 30_000,
    },
  );
  slack = e2e.slack!;
  discord = e2e.discord!;
  ({ scribe, port } = e2e);
}, 60_000);

afterAll(async () => {
  await e2e?.close();
  await receiver?.close();
});

/** One span as OTLP/JSON carries it, ids as hex. */
interface Span {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  name: string;
  kind: number;
  attributes: Record<string, string | number | boolean>;
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: { key: string; value: OtlpValue }[];
}
interface OtlpExport {
  resourceSpans: { scopeSpans: { spans: OtlpSpan[] }[] }[];
}

// OTLP/JSON has hex ids; older exporters sent base64.
const hex = (id: string | undefined) =>
  !id ? undefined : /^[0-9a-f]+$/.test(id) ? id : Buffer.from(id, 'base64').toString('hex') || undefined;
const attributeValue = (v: OtlpValue) =>
  v.stringValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.doubleValue ?? v.boolValue ?? ''));

/** Every span the receiver got so far. */
function exported(): Span[] {
  return receiver.requests
    .filter((r) => r.method === 'POST' && r.path === '/v1/traces')
    .flatMap((r) => (r.json as OtlpExport).resourceSpans)
    .flatMap((rs) => rs.scopeSpans)
    .flatMap((ss) => ss.spans)
    .map((s) => ({
      traceId: hex(s.traceId)!,
      spanId: hex(s.spanId)!,
      parentSpanId: hex(s.parentSpanId),
      name: s.name,
      kind: s.kind,
      attributes: Object.fromEntries((s.attributes ?? []).map((a) => [a.key, attributeValue(a.value)])),
    }));
}

/** Whether `span` is `ancestor` or below it. */
function isUnder(spans: Span[], span: Span, ancestor: Span): boolean {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  for (let s: Span | undefined = span; s; s = s.parentSpanId ? byId.get(s.parentSpanId) : undefined) {
    if (s.spanId === ancestor.spanId) return true;
  }
  return false;
}

/** The chat API client spans (SDK http or undici) to a fake's origin, e.g. `http://127.0.0.1:5000`. */
const callsTo = (spans: Span[], origin: string) =>
  spans.filter((s) => s.kind === 3 && String(s.attributes['url.full'] ?? '').startsWith(origin));

/** The generation's whole trace, once its worker span and the result's post have been exported. */
async function traceOf(generationId: string): Promise<{ spans: Span[]; request: Span; generation: Span }> {
  let found: { spans: Span[]; request: Span; generation: Span } | undefined;
  await expect
    .poll(
      () => {
        const all = exported();
        const request = all.find(
          (s) => s.name === 'request start' && s.attributes['scribe.generation_id'] === generationId,
        );
        const generation = all.find(
          (s) => s.name === 'generation' && s.attributes['scribe.generation_id'] === generationId,
        );
        if (!request || !generation) return false;
        found = { spans: all.filter((s) => s.traceId === request.traceId), request, generation };
        return true;
      },
      { timeout: 15_000, interval: 200 },
    )
    .toBe(true);
  return found!;
}

const generationIdOf = async (platform: string) =>
  String((await scribe.waitForEvent({ event: 'generation.queued', platform })).generationId);

function expectPgUnder(spans: Span[], generation: Span): void {
  // The SDK's pg instrumentation: the worker's queries (the generation row, the steps, usage).
  const queries = spans.filter((s) => s.name.startsWith('pg.query') && isUnder(spans, s, generation));
  expect(queries.length).toBeGreaterThan(0);
  expect(
    queries.every((s) => s.attributes['db.system.name'] === 'postgresql' || s.attributes['db.system'] === 'postgresql'),
  ).toBe(true);
  expect(
    queries.some((s) => /generations/.test(String(s.attributes['db.query.text'] ?? s.attributes['db.statement']))),
  ).toBe(true);
}

it('traces a Slack generation: pg spans and a span per Web API call, bot → worker', async () => {
  const driver = slack.httpDriver({ url: `http://127.0.0.1:${port}/slack/events` });
  await driver.slashCommand({ user: 'U0ADA', channel: 'C0GENERAL', text: '' });
  await slack.until(() => slack.views('U0ADA')[0], 'the modal');
  await driver.submitView({
    user: 'U0ADA',
    values: {
      template: TEMPLATE,
      recipient_name: RECIPIENT.recipientName,
      recipient_interest: RECIPIENT.recipientInterest,
    },
  });
  const id = await generationIdOf('slack');
  const progress = await slack.until(
    () => slack.messagesIn('C0GENERAL').find((m) => m.fromBot && !m.streamed && /Lovelace/.test(m.visible)),
    'the progress message',
    10_000,
  );
  await slack.until(
    () =>
      slack
        .messagesIn('C0GENERAL', progress.ts)
        .find((m) => isSlackResult(m) && m.visible.includes('Dear Dr. Lovelace')),
    'the result in the thread',
    30_000,
  );
  // The progress post (bot) and the result: the plan's stream stopped as the result (worker).
  await expect
    .poll(
      async () =>
        callsTo((await traceOf(id)).spans, new URL(slack.apiUrl).origin).filter((s) =>
          /chat\.(postMessage|stopStream)/.test(String(s.attributes['url.full'])),
        ).length,
      {
        timeout: 15_000,
      },
    )
    .toBeGreaterThanOrEqual(2);
  const { spans, request, generation } = await traceOf(id);
  expect(generation.parentSpanId).toBe(request.spanId);
  // The trace starts at the slash command's HTTP request to Scribe (the SDK's server span).
  const root = spans.find((s) => s.parentSpanId === undefined)!;
  expect(root.kind).toBe(2);
  expect(root.attributes['url.path']).toBe('/slack/events');
  expect(isUnder(spans, request, root)).toBe(true);

  const calls = callsTo(spans, new URL(slack.apiUrl).origin);
  const method = (s: Span) => new URL(String(s.attributes['url.full'])).pathname.split('/').at(-1);
  for (const call of calls) {
    expect(call.attributes['http.request.method']).toBe('POST');
    expect(call.attributes['server.address']).toBe('127.0.0.1');
    expect(call.attributes['http.response.status_code']).toBe(200);
  }
  // Bot side: the progress message, posted while the request is handled.
  const botPosts = calls.filter((s) => method(s) === 'chat.postMessage' && !isUnder(spans, s, generation));
  expect(botPosts.length).toBeGreaterThanOrEqual(1);
  expect(botPosts.every((s) => isUnder(spans, s, request))).toBe(true);
  // Worker side: the progress edits, the plan's stream and its stop as the result, under the generation.
  const workerCalls = calls.filter((s) => isUnder(spans, s, generation));
  expect(workerCalls.filter((s) => method(s) === 'chat.update').length).toBeGreaterThanOrEqual(1);
  expect(workerCalls.filter((s) => method(s) === 'chat.startStream')).toHaveLength(1);
  expect(workerCalls.filter((s) => method(s) === 'chat.stopStream').length).toBeGreaterThanOrEqual(1);

  expectPgUnder(spans, generation);
}, 90_000);

it('traces a Discord generation: pg spans and a span per REST call, bot → worker', async () => {
  const { ada } = discord.people;
  const cmd = discord.slashCommand({ user: ada });
  await scribe.waitForEvent({ event: 'request.handled', id: cmd.id }, 15_000);
  discord.submitModal(cmd.id, {
    template: TEMPLATE,
    recipient_name: RECIPIENT.recipientName,
    recipient_interest: RECIPIENT.recipientInterest,
  });
  const id = await generationIdOf('discord');
  const emails = () =>
    discord
      .channelView(discord.channelId)
      .flatMap((m) =>
        m.threadId ? discord.channelView(m.threadId).filter((t) => t.text.includes('Dear Dr. Lovelace')) : [],
      );
  await expect.poll(() => emails().length, { timeout: 30_000, interval: 100 }).toBe(1);
  const origin = new URL(discord.apiUrl).origin;
  const workerCallsOf = (t: Awaited<ReturnType<typeof traceOf>>) =>
    callsTo(t.spans, origin).filter((s) => isUnder(t.spans, s, t.generation));
  await expect
    .poll(
      async () => workerCallsOf(await traceOf(id)).filter((s) => s.attributes['http.request.method'] === 'POST').length,
      {
        timeout: 15_000,
      },
    )
    .toBeGreaterThanOrEqual(1);
  const trace = await traceOf(id);
  const { spans, request, generation } = trace;
  expect(generation.parentSpanId).toBe(request.spanId);
  // The trace starts at the interaction, not at the gateway's WebSocket (whose span would parent
  // every event it ever delivers).
  expect(request.parentSpanId).toBeUndefined();

  const calls = callsTo(spans, origin);
  for (const call of calls) {
    expect(call.attributes['server.address']).toBe('127.0.0.1');
    expect(Number(call.attributes['http.response.status_code'])).toBeLessThan(400);
  }
  // Bot side: the progress embed (a POST to the channel's messages) under the request span.
  const botPosts = calls.filter(
    (s) => !isUnder(spans, s, generation) && s.attributes['http.request.method'] === 'POST',
  );
  expect(
    botPosts.some((s) => /\/channels\/[^/]+\/messages$/.test(new URL(String(s.attributes['url.full'])).pathname)),
  ).toBe(true);
  expect(botPosts.every((s) => isUnder(spans, s, request))).toBe(true);
  // Worker side: progress edits (PATCH) and the result (POST into the thread), under the generation.
  const workerCalls = workerCallsOf(trace);
  expect(workerCalls.filter((s) => s.attributes['http.request.method'] === 'PATCH').length).toBeGreaterThanOrEqual(1);
  expect(workerCalls.filter((s) => s.attributes['http.request.method'] === 'POST').length).toBeGreaterThanOrEqual(1);

  expectPgUnder(spans, generation);
}, 90_000);

it('exports no bearer URL: interaction tokens and response URLs masked, no query strings (the arXiv name)', async () => {
  // Slack: `/scribe status` answers through the command's response URL (a token in its path).
  const driver = slack.httpDriver({ url: `http://127.0.0.1:${port}/slack/events` });
  const status = await driver.slashCommand({ user: 'U0ADA', channel: 'C0GENERAL', text: 'status' });
  await slack.until(() => slack.ephemeralsFor('U0ADA').find((e) => e.via === 'response_url'), 'the status reply');
  // Discord: `/scribe help` is answered with an interaction callback (the token in its path).
  const help = discord.slashCommand({ subcommand: 'help' });
  await discord.nextCallback(help.id);

  const responsePath = new URL(status.responseUrl).pathname;
  const masked = `${new URL(status.responseUrl).origin}${responsePath.split('/').slice(0, -1).join('/')}/REDACTED`;
  const urls = () => exported().map((s) => String(s.attributes['url.full'] ?? ''));
  await expect
    .poll(() => urls().some((u) => u.includes(`/interactions/${help.id}/`)) && urls().includes(masked), {
      timeout: 15_000,
      interval: 200,
    })
    .toBe(true);
  expect(urls()).toContain(`${new URL(discord.apiUrl).origin}/api/v10/interactions/${help.id}/REDACTED/callback`);

  const spans = exported();
  const everything = JSON.stringify(spans);
  expect(everything).not.toContain(help.token);
  expect(everything).not.toContain(responsePath);
  // The arXiv searches of the generations above, by the recipient's name: exported without it.
  const arxiv = spans.filter((s) => String(s.attributes['url.full'] ?? '').startsWith(e2e.services.env.ARXIV_API_URL!));
  expect(arxiv.length).toBeGreaterThan(0);
  expect(everything).not.toMatch(/Lovelace/i);
  for (const s of spans) {
    expect(String(s.attributes['url.full'] ?? '')).not.toContain('?');
    expect(String(s.attributes['http.target'] ?? s.attributes['url.path'] ?? '')).not.toContain('?');
    expect(s.attributes['url.query']).toBeUndefined();
  }
}, 60_000);

it('starts a new trace for each incoming request: a traceparent sent with it is ignored, signed or not', async () => {
  const forgedTraceId = 'ab'.repeat(16);
  const res = await fetch(`http://127.0.0.1:${port}/slack/events`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      traceparent: `00-${forgedTraceId}-${'cd'.repeat(8)}-01`,
      'x-slack-request-timestamp': String(Math.floor(Date.now() / 1000)),
      'x-slack-signature': 'v0=0000',
    },
    body: 'command=%2Fscribe&text=help',
  });
  expect(res.status).toBe(401);
  let refused: Span | undefined;
  await expect
    .poll(
      () => {
        refused = exported().find(
          (s) =>
            s.kind === 2 &&
            s.attributes['url.path'] === '/slack/events' &&
            s.attributes['http.response.status_code'] === 401,
        );
        return refused !== undefined;
      },
      { timeout: 15_000, interval: 200 },
    )
    .toBe(true);
  expect(refused?.parentSpanId).toBeUndefined();
  expect(refused?.traceId).not.toBe(forgedTraceId);
  expect(exported().filter((s) => s.traceId === forgedTraceId)).toEqual([]);
}, 30_000);
