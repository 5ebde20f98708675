/**
 * Tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT): an idle `scribe worker` has loaded no
 * OpenTelemetry module of ours — no SDK, exporter or instrumentation, and no prom-client. The one
 * exception is `@opentelemetry/api`, which pg-boss 12 imports itself (its built-in, no-op-by-default
 * instrumentation): the test pins that it comes from pg-boss and nowhere else. The same process
 * with the endpoint set loads the SDK (the control that shows the recording sees it). The idle RSS
 * of both is printed; the memory budget is in the benchmark.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFakeHttp, type FakeHttp } from '../fakes/http.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/db.ts';
import { cleanEnv, ROOT, spawnNode } from '../helpers/scribe-process.ts';

const PRELOAD = path.join(ROOT, 'test/helpers/record-modules.ts');
const MAIN = path.join(ROOT, 'src/main.ts');
let db: TestDatabase;
let collector: FakeHttp;

beforeAll(async () => {
  db = await createTestDatabase({ migrated: true });
  collector = await startFakeHttp((_req, res) => {
    res.writeHead(200).end('{}');
  });
});
afterAll(async () => {
  await collector?.close();
  await db?.drop();
});

interface Recorded {
  modules: { url: string; parent: string }[];
  rss: number;
}

async function idleWorker(extra: Record<string, string>): Promise<Recorded> {
  const out = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'scribe-modules-')), 'modules.json');
  const worker = spawnNode(
    ['--import', PRELOAD, MAIN, 'worker'],
    cleanEnv({ DATABASE_URL: db.url, LOG_LEVEL: 'info', RECORD_MODULES_OUT: out, ...extra }),
  );
  try {
    await worker.waitForEvent({ event: 'scribe.started' });
    worker.kill('SIGUSR2');
    await expect
      .poll(
        () =>
          fs.access(out).then(
            () => true,
            () => false,
          ),
        { timeout: 10_000 },
      )
      .toBe(true);
    return JSON.parse(await fs.readFile(out, 'utf8')) as Recorded;
  } finally {
    worker.kill('SIGTERM');
    await worker.exited;
  }
}

const otel = (r: Recorded) => r.modules.filter((m) => m.url.includes('/@opentelemetry/'));
const isApi = (url: string) => url.includes('/@opentelemetry/api/');

it('loads no OpenTelemetry SDK, exporter or instrumentation with tracing off, and the SDK with it on', async () => {
  const off = await idleWorker({});
  expect(off.modules.some((m) => m.url.includes('/src/jobs/worker.ts'))).toBe(true);
  expect(otel(off).filter((m) => !isApi(m.url))).toEqual([]);
  // The API alone, brought in by pg-boss (or by the API's own files): never by Scribe's code.
  expect(otel(off).filter((m) => !isApi(m.parent) && !m.parent.includes('/pg-boss/'))).toEqual([]);
  expect(off.modules.filter((m) => m.url.includes('prom-client'))).toEqual([]);

  const on = await idleWorker({ OTEL_EXPORTER_OTLP_ENDPOINT: collector.url });
  expect(otel(on).some((m) => m.url.includes('/@opentelemetry/sdk-trace/'))).toBe(true);
  console.info(
    `idle scribe worker RSS: tracing off ${(off.rss / 1e6).toFixed(1)} MB, on ${(on.rss / 1e6).toFixed(1)} MB`,
  );
}, 120_000);
