/**
 * The service's two HTTP servers as `scribe start` and `scribe bot` compose them: the public port
 * answers `/health` with the status alone and has no `/metrics`; the operators' port, bound to
 * 127.0.0.1, serves `/metrics` and the detailed `/health`.
 */
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { METRICS_HOST, startHttpServers, type HttpServers } from '../../src/commands/http.ts';
import { loadConfig } from '../../src/config.ts';
import type { HealthReport } from '../../src/http/health.ts';
import { createPromMetrics } from '../../src/http/metrics.ts';
import { startQueue, type JobQueue } from '../../src/jobs/queue.ts';
import { createLifecycle, type Lifecycle } from '../../src/lifecycle.ts';
import { silentLogger } from '../../src/log.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const logger = silentLogger();
let db: TestDatabase;
let queue: JobQueue;
let lifecycle: Lifecycle;
let servers: HttpServers;

beforeAll(async () => {
  db = await createTestDatabase({ migrated: true });
  queue = await startQueue({ connectionString: db.url, logger });
  lifecycle = createLifecycle(logger);
  servers = await startHttpServers({
    config: loadConfig({ PORT: '0', METRICS_PORT: '0', ANTHROPIC_API_KEY: 'sk-ant-test' }, { fileExists: () => false }),
    logger,
    lifecycle,
    pool: db.pool,
    queue,
    roles: ['worker', 'http'],
    embeddedDatabase: false,
    prom: await createPromMetrics({ db: db.pool }),
  });
});
afterAll(async () => {
  await lifecycle?.shutdown('test over');
  await queue?.stop({ timeoutMs: 5_000 });
  await db?.drop();
});

it('answers the public /health with the status alone, and has no /metrics', async () => {
  const res = await fetch(`http://127.0.0.1:${servers.public.port}/health`);
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ status: 'ok' });
  expect((await fetch(`http://127.0.0.1:${servers.public.port}/metrics`)).status).toBe(404);
});

it('serves /metrics and the detailed /health on the loopback port only', async () => {
  expect((servers.metrics.server.address() as AddressInfo).address).toBe(METRICS_HOST);
  expect(METRICS_HOST).toBe('127.0.0.1');
  const metrics = await fetch(`http://127.0.0.1:${servers.metrics.port}/metrics`);
  expect(metrics.status).toBe(200);
  expect(await metrics.text()).toMatch(/^scribe_queue_jobs\{state="queued"\} 0$/m);
  const health = (await (await fetch(`http://127.0.0.1:${servers.metrics.port}/health`)).json()) as HealthReport;
  expect(health).toMatchObject({
    status: 'ok',
    database: { up: true },
    queue: { up: true },
    roles: ['worker', 'http'],
  });
});
