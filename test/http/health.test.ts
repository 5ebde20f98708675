/**
 * `GET /health` in its two views: the public one says only ok / degraded / down (and 200 / 503),
 * the detailed one (the operators' loopback port) the database, queue and integrations. The
 * database and queue are probed at most once per cache period, however many requests come.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createPool } from '../../src/db/pool.ts';
import { createHealthCheck, healthRoute, type HealthReport } from '../../src/http/health.ts';
import { startHttpServer, type HttpServer } from '../../src/http/server.ts';
import { startQueue, type JobQueue } from '../../src/jobs/queue.ts';
import { silentLogger } from '../../src/log.ts';
import { countingDb } from '../helpers/counting-db.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';

const logger = silentLogger();
const config = loadConfig(
  { SLACK_BOT_TOKEN: 'xoxb-test', SLACK_SIGNING_SECRET: 'secret' },
  { fileExists: () => false },
);

let db: TestDatabase;
let queue: JobQueue;
let up: HttpServer;
let down: HttpServer;
const deadPool = createPool({ connectionString: 'postgres://nobody:x@127.0.0.1:1/none', logger });

beforeAll(async () => {
  db = await createTestDatabase({ migrated: true });
  queue = await startQueue({ connectionString: db.url, logger });
  const base = { config, queue, roles: ['http'], embeddedDatabase: false, startedAt: new Date() };
  const upCheck = createHealthCheck({ ...base, db: db.pool });
  const downCheck = createHealthCheck({ ...base, queue: undefined, db: deadPool });
  up = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    logger,
    routes: [healthRoute(upCheck, 'public'), { ...healthRoute(upCheck, 'detailed'), path: '/health/detailed' }],
  });
  down = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    logger,
    routes: [healthRoute(downCheck, 'public'), { ...healthRoute(downCheck, 'detailed'), path: '/health/detailed' }],
  });
});

afterAll(async () => {
  await Promise.all([up?.close(), down?.close()]);
  await queue?.stop({ timeoutMs: 5_000 });
  await deadPool.end();
  await db?.drop();
});

describe('GET /health', () => {
  it('answers the public 200 with the status alone: nothing about configuration, database or queue', async () => {
    const res = await fetch(`http://127.0.0.1:${up.port}/health`);
    expect(res.status).toBe(200);
    // Without an Anthropic key nothing can be generated: up, but not ok.
    expect(await res.json()).toEqual({ status: 'degraded' });
  });

  it('answers the detailed view with the database, the queue and what is configured', async () => {
    const res = await fetch(`http://127.0.0.1:${up.port}/health/detailed`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as HealthReport;
    expect(body.database).toEqual({ up: true, embedded: false });
    expect(body.queue).toMatchObject({ up: true, queued: 0, active: 0 });
    expect(body.integrations.slack).toEqual({ configured: true });
    expect(body.integrations.anthropic).toEqual({ configured: false, missing: ['ANTHROPIC_API_KEY'] });
    expect(body.status).toBe('degraded');
  });

  it('answers 503 when the database does not answer', async () => {
    const res = await fetch(`http://127.0.0.1:${down.port}/health`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'down' });
    const detailed = await fetch(`http://127.0.0.1:${down.port}/health/detailed`);
    expect(detailed.status).toBe(503);
    const body = (await detailed.json()) as HealthReport;
    expect(body.status).toBe('down');
    expect(body.database.up).toBe(false);
    expect(body.queue.up).toBe(false);
  });

  it('answers 404 for unknown paths and 405 for the wrong method', async () => {
    expect((await fetch(`http://127.0.0.1:${up.port}/nope`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${up.port}/health`, { method: 'POST' })).status).toBe(405);
  });
});

describe('the health probe', () => {
  it('queries the database and the queue once per cache period, however many requests come', async () => {
    let clock = 0;
    const { db: counted, queries } = countingDb(db.pool);
    const getQueue = vi.spyOn(queue.boss, 'getQueue');
    try {
      const check = createHealthCheck(
        { config, db: counted, queue, roles: ['http'], embeddedDatabase: false, startedAt: new Date() },
        { cacheMs: 5_000, now: () => clock },
      );
      const first = await Promise.all(Array.from({ length: 10 }, () => check()));
      expect(first.every((r) => r.status === 'degraded')).toBe(true);
      clock = 4_999;
      for (let i = 0; i < 10; i++) await check();
      expect(queries).toEqual(['SELECT 1']);
      expect(getQueue).toHaveBeenCalledTimes(2); // the generate queue and its dead letters

      clock = 5_000;
      expect((await check()).queue.up).toBe(true);
      expect(queries).toEqual(['SELECT 1', 'SELECT 1']);
      expect(getQueue).toHaveBeenCalledTimes(4);
    } finally {
      getQueue.mockRestore();
    }
  });
});
