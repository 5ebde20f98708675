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
