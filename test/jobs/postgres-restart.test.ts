/**
 * PostgreSQL goes away in the middle of a generation and comes back: the worker reconnects and the
 * generation completes. Runs on a PostgreSQL of its own (the embedded one, on a fixed port), so the
 * other test files' server is never disturbed.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type pg from 'pg';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded.ts';
import { getGeneration } from '../../src/db/generations.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createPool } from '../../src/db/pool.ts';
import { createGeneration } from '../../src/requests/commit/start.ts';
import { startQueue, type JobQueue } from '../../src/jobs/queue.ts';
import { silentLogger } from '../../src/log.ts';
import { createRecordingTable, postsFor } from '../helpers/recording-reporter.ts';
import { ROOT, cleanEnv, freePort, spawnNode, type ScribeProcess } from '../helpers/scribe-process.ts';
import { RECIPIENT, TEMPLATE, startServices, type Services } from '../helpers/services.ts';
import { TEST_TUNING } from '../helpers/tuning.ts';

const logger = silentLogger();
let dir: string;
let port: number;
let server: EmbeddedPostgres;
let pool: pg.Pool;
let queue: JobQueue;
let services: Services;
let child: ScribeProcess | undefined;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'scribe-pg-restart-'));
  await fs.chmod(dir, 0o755);
  port = await freePort();
  server = await startEmbeddedPostgres({ dataDir: dir, logger, port });
  pool = createPool({ connectionString: server.url, logger });
  await migrate(pool, logger);
  await createRecordingTable(pool);
  queue = await startQueue({ connectionString: server.url, logger, tuning: TEST_TUNING, supervise: false });
  services = await startServices();
});

afterAll(async () => {
  if (child && child.child.exitCode === null) {
    child.kill('SIGKILL');
    await child.exited;
  }
  await queue?.stop({ timeoutMs: 5_000 }).catch(() => undefined);
  await pool?.end().catch(() => undefined);
  await services?.close();
  await server?.stop();
  await fs.rm(dir, { recursive: true, force: true });
});

it('finishes a generation although PostgreSQL restarted during it', async () => {
  child = spawnNode(
    [path.join(ROOT, 'test/helpers/worker-child.ts')],
    cleanEnv({ ...services.env, DATABASE_URL: server.url, LOG_LEVEL: 'info' }),
  );
  await child.waitForEvent({ event: 'worker.started' });

  services.exa.latencyMs = 2_000; // the restart happens while step 2 waits for Exa
  const generation = await createGeneration(
    { pool, boss: queue.boss, dailyQuota: 100 },
    {
      user: { platform: 'slack', teamId: 'T1', platformUserId: 'U1' },
      request: { template: TEMPLATE, ...RECIPIENT },
      address: { channelId: 'C1', threadId: '1.1', progressMessageId: '1.1' },
    },
  );
  await expect.poll(() => services.exa.requests.length, { timeout: 20_000, interval: 50 }).toBeGreaterThan(0);

  await server.stop();
  // The worker notices: saving step 2 fails while the database is down, and the job is to be retried.
  await child.waitForEvent(
    { event: 'retry.scheduled', err: (err: unknown) => /database is unavailable/.test(JSON.stringify(err)) },
    30_000,
  );
  services.exa.latencyMs = 0;
  server = await startEmbeddedPostgres({ dataDir: dir, logger, port });

  await expect
    .poll(async () => (await getGeneration(pool, generation.id).catch(() => undefined))?.status, {
      timeout: 90_000,
      interval: 250,
    })
    .toMatch(/succeeded|failed/);
  const row = await getGeneration(pool, generation.id);
  expect(row?.error ?? null).toBeNull();
  expect(row?.status).toBe('succeeded');
  expect((await postsFor(pool, generation.id)).filter((p) => p.kind === 'result')).toHaveLength(1);
}, 120_000);
