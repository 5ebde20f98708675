import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createPool } from '../../src/db/pool.ts';
import { healthRoute, type HealthReport } from '../../src/http/health.ts';
import { startHttpServer, type HttpServer } from '../../src/http/server.ts';
import { startQueue, type JobQueue } from '../../src/jobs/queue.ts';
import { silentLogger } from '../../src/log.ts';
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
  up = await startHttpServer({ port: 0, host: '127.0.0.1', logger, routes: [healthRoute({ ...base, db: db.pool })] });
  down = await startHttpServer({
    port: 0,
    host: '127.0.0.1',
    logger,
    routes: [healthRoute({ ...base, queue: undefined, db: deadPool })],
  });
});

afterAll(async () => {
  await Promise.all([up?.close(), down?.close()]);
  await queue?.stop({ timeoutMs: 5_000 });
  await deadPool.end();
  await db?.drop();
});

describe('GET /health', () => {
  it('answers 200 with the database, the queue and what is configured', async () => {
    const res = await fetch(`http://127.0.0.1:${up.port}/health`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as HealthReport;
    expect(body.database).toEqual({ up: true, embedded: false });
    expect(body.queue).toMatchObject({ up: true, queued: 0, active: 0 });
    expect(body.integrations.slack).toEqual({ configured: true });
    expect(body.integrations.anthropic).toEqual({ configured: false, missing: ['ANTHROPIC_API_KEY'] });
    // Without an Anthropic key nothing can be generated: up, but not ok.
    expect(body.status).toBe('degraded');
  });

  it('answers 503 when the database does not answer', async () => {
    const res = await fetch(`http://127.0.0.1:${down.port}/health`);
    expect(res.status).toBe(503);
    const body = (await res.json()) as HealthReport;
    expect(body.status).toBe('down');
    expect(body.database.up).toBe(false);
    expect(body.queue.up).toBe(false);
  });

  it('answers 404 for unknown paths and 405 for the wrong method', async () => {
    expect((await fetch(`http://127.0.0.1:${up.port}/nope`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${up.port}/health`, { method: 'POST' })).status).toBe(405);
  });
});
