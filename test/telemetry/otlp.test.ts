/**
 * The exporter path: with an OTLP/HTTP endpoint, spans reach a local receiver on 127.0.0.1 as an
 * OTLP/HTTP export request to `/v1/traces`, with their names, parentage and attributes.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createOtelTracer } from '../../src/telemetry/otel.ts';
import { startFakeHttp, type FakeHttp } from '../fakes/http.ts';

let receiver: FakeHttp;

beforeAll(async () => {
  receiver = await startFakeHttp((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
afterAll(() => receiver?.close());

it('exports spans to an OTLP/HTTP receiver', async () => {
  const tracer = await createOtelTracer({
    serviceName: 'scribe-otlp-test',
    endpoint: receiver.url,
    instrumentations: false,
  });
  let traceparent: string | undefined;
  await tracer.span('request start', { 'scribe.platform': 'slack' }, async () => {
    traceparent = tracer.traceparent();
  });
  // Another process would continue from the job payload's traceparent.
  await tracer.span(
    'generation',
    { 'scribe.generation_id': 'g-1' },
    async (span) => {
      span.setAttributes({ 'gen_ai.usage.input_tokens': 1234 });
    },
    { parent: traceparent },
  );
  await tracer.shutdown(); // flushes the batch

  const exports = receiver.requests.filter((r) => r.path === '/v1/traces' && r.method === 'POST');
  expect(exports.length).toBeGreaterThan(0);
  const body = exports.map((r) => r.body).join('\n');
  expect(body).toContain('request start');
  expect(body).toContain('generation');
  expect(body).toContain('scribe-otlp-test');
  expect(body).toContain('gen_ai.usage.input_tokens');
  expect(traceparent).toMatch(/^00-([0-9a-f]{32})-[0-9a-f]{16}-01$/);
  // The continued span is in the same trace (the trace id is in the export, hex or base64).
  const traceId = traceparent!.split('-')[1]!;
  const b64 = Buffer.from(traceId, 'hex').toString('base64');
  expect(body.includes(traceId) || body.includes(b64)).toBe(true);
});

it('exports URLs with their tokens masked and without query strings, in attributes and error messages', async () => {
  const tracer = await createOtelTracer({
    serviceName: 'scribe-otlp-redaction',
    endpoint: receiver.url,
    instrumentations: false,
  });
  const token = `aW50ZXJhY3Rpb246${'c2VjcmV0'.repeat(10)}`;
  await tracer.span(
    'POST',
    {
      'url.full': `https://discord.com/api/v10/interactions/1234567890/${token}/callback?with_response=true`,
      'server.address': 'discord.com',
    },
    async () => undefined,
  );
  await tracer.span(
    'GET',
    { 'url.full': 'https://export.arxiv.org/api/query?search_query=au:%22Ada%20Lovelace%22' },
    async () => undefined,
  );
  await tracer
    .span('POST', {}, async () => {
      throw new Error('POST https://hooks.slack.com/commands/T0001/123/yYGqLtL1AkV9Y4lUtGcJnRk8 answered 404');
    })
    .catch(() => undefined);
  await tracer.shutdown();

  const body = receiver.requests
    .filter((r) => r.path === '/v1/traces' && r.method === 'POST')
    .map((r) => r.body)
    .join('\n');
  expect(body).toContain('scribe-otlp-redaction');
  expect(body).toContain('https://discord.com/api/v10/interactions/1234567890/REDACTED/callback');
  expect(body).toContain('https://export.arxiv.org/api/query');
  expect(body).toContain('https://hooks.slack.com/commands/T0001/123/REDACTED answered 404');
  expect(body).not.toContain(token);
  expect(body).not.toContain('Lovelace');
  expect(body).not.toContain('yYGqLtL1AkV9Y4lUtGcJnRk8');
  expect(body).not.toContain('with_response');
});
