/** The service's own start-up plan: compile cache, V8 flags and malloc arenas, added only when missing. */
import { describe, expect, it } from 'vitest';
import { bootPlan, CHAT_V8_FLAGS, MALLOC_ENV, V8_FLAGS } from '../src/boot.ts';
import fs from 'node:fs/promises';
import path from 'node:path';
import { createTestDatabase } from './helpers/db.ts';
import { cleanEnv, ROOT, spawnNode, spawnScribe } from './helpers/scribe-process.ts';

describe('bootPlan', () => {
  it('adds the compile cache, the V8 flags and two malloc arenas to a plain start', () => {
    expect(bootPlan({ execArgv: [], env: {} }, '/cache')).toEqual({
      addFlags: [...V8_FLAGS],
      addEnv: { NODE_COMPILE_CACHE: '/cache', MALLOC_ARENA_MAX: '2' },
    });
  });

  it('keeps what the operator chose, in either spelling, in argv or NODE_OPTIONS', () => {
    const arenas = { MALLOC_ARENA_MAX: '4' };
    expect(
      bootPlan({ execArgv: ['--max-semi-space-size=8'], env: { NODE_COMPILE_CACHE: '/mine', ...arenas } }),
    ).toBeUndefined();
    expect(
      bootPlan({
        execArgv: [],
        env: { NODE_OPTIONS: '--max_semi_space_size=4', NODE_DISABLE_COMPILE_CACHE: '1', ...arenas },
      }),
    ).toBeUndefined();
    // Only the arenas missing: they alone are added.
    expect(bootPlan({ execArgv: [...V8_FLAGS], env: { NODE_COMPILE_CACHE: '/mine' } })).toEqual({
      addFlags: [],
      addEnv: { ...MALLOC_ENV },
    });
    // Set, even empty: the operator's (glibc then uses its default).
    expect(bootPlan({ execArgv: [...V8_FLAGS], env: { NODE_COMPILE_CACHE: '/mine', MALLOC_ARENA_MAX: '' } })).toBe(
      undefined,
    );
  });

  it('preloads the tracing module when OTEL_EXPORTER_OTLP_ENDPOINT is set, and only then', () => {
    const env = {
      NODE_COMPILE_CACHE: '/mine',
      ...MALLOC_ENV,
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
    };
    expect(bootPlan({ execArgv: [...V8_FLAGS], env }, '/cache', '/app/preload.ts')).toEqual({
      addFlags: ['--import', '/app/preload.ts'],
      addEnv: {},
    });
    // The re-executed process has it, in either form: nothing more to do.
    expect(bootPlan({ execArgv: [...V8_FLAGS, '--import', '/app/preload.ts'], env }, '/c', '/app/preload.ts')).toBe(
      undefined,
    );
    expect(bootPlan({ execArgv: [...V8_FLAGS, '--import=/app/preload.ts'], env }, '/c', '/app/preload.ts')).toBe(
      undefined,
    );
    // Tracing off: no preload.
    expect(
      bootPlan({ execArgv: [...V8_FLAGS], env: { NODE_COMPILE_CACHE: '/mine', ...MALLOC_ENV } }, '/c', '/p.ts'),
    ).toBeUndefined();
  });

  it('gives a process that answers chat (start, bot) a 4 MB semi-space and the collector (quiet-gc.ts), any other 2 MB', () => {
    for (const command of ['start', 'bot'])
      expect(bootPlan({ execArgv: [], env: {}, command }, '/cache')?.addFlags).toEqual([
        '--max-semi-space-size=4',
        '--expose-gc',
      ]);
    for (const command of ['worker', 'draft', 'migrate', undefined])
      expect(bootPlan({ execArgv: [], env: {}, command }, '/cache')?.addFlags).toEqual(['--max-semi-space-size=2']);
    expect(CHAT_V8_FLAGS).toEqual(['--max-semi-space-size=4', '--expose-gc']);
    // The operator's value wins here too.
    const mine = { NODE_COMPILE_CACHE: '/mine', ...MALLOC_ENV };
    expect(
      bootPlan({ execArgv: ['--max-semi-space-size=1', '--expose-gc'], env: mine, command: 'start' }),
    ).toBeUndefined();
  });

  it('is satisfied by the process it re-executes, so it re-executes once', () => {
    const first = bootPlan({ execArgv: [], env: {} }, '/cache')!;
    expect(bootPlan({ execArgv: first.addFlags, env: first.addEnv }, '/cache')).toBeUndefined();
  });
});

describe('the service process (scribe worker, scribe start)', () => {
  /** Starts `scribe <command>` with `env` and returns the argv and environment its process runs with. */
  async function started(dbUrl: string, env: Record<string, string> = {}, command = 'worker') {
    const proc = spawnScribe([command], cleanEnv({ DATABASE_URL: dbUrl, LOG_LEVEL: 'info', ...env }));
    await proc.waitForEvent({ event: 'scribe.started' });
    const pid = proc.child.pid!;
    const argv = (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
    const environ = (await fs.readFile(`/proc/${pid}/environ`, 'utf8')).split('\0');
    proc.kill('SIGTERM');
    expect(await proc.exited).toBe(0);
    return { argv, environ, logs: proc.logs };
  }

  it('runs, under its own pid, with the V8 flags, the compile cache and two malloc arenas', async () => {
    const db = await createTestDatabase({ migrated: true });
    try {
      const { argv, environ, logs } = await started(db.url, { ANTHROPIC_API_KEY: 'sk-ant-unused-key' });
      for (const flag of V8_FLAGS) expect(argv).toContain(flag);
      expect(argv).not.toContain('--expose-gc');
      // A worker alone answers no chat: its libraries wait for its first generation (idle memory).
      expect(logs.some((l) => l.event === 'worker.clients_preloaded')).toBe(false);
      expect(environ.some((e) => e.startsWith('NODE_COMPILE_CACHE='))).toBe(true);
      expect(environ).toContain('MALLOC_ARENA_MAX=2');
    } finally {
      await db.drop();
    }
  });

  it('`scribe start`, which answers chat, runs with the 4 MB semi-space and the collector, its libraries loaded first', async () => {
    const db = await createTestDatabase({ migrated: true });
    try {
      // Keys that are never used: nothing is called, the libraries are only imported.
      const keys = { ANTHROPIC_API_KEY: 'sk-ant-unused-key', EXA_API_KEY: 'exa-unused-key' };
      const { argv, logs } = await started(db.url, { PORT: '0', METRICS_PORT: '0', ...keys }, 'start');
      expect(argv).toContain('--max-semi-space-size=4');
      expect(argv).toContain('--expose-gc');
      expect(argv).not.toContain('--max-semi-space-size=2');
      // The pipeline's libraries are imported before the service says it is running.
      const preloaded = logs.findIndex((l) => l.event === 'worker.clients_preloaded');
      expect(logs[preloaded]).toMatchObject({ libraries: ['@anthropic-ai/sdk', 'exa-js'] });
      expect(preloaded).toBeLessThan(logs.findIndex((l) => l.event === 'scribe.started'));
    } finally {
      await db.drop();
    }
  });

  it("keeps the operator's MALLOC_ARENA_MAX", async () => {
    const db = await createTestDatabase({ migrated: true });
    try {
      const { environ } = await started(db.url, { MALLOC_ARENA_MAX: '8' });
      expect(environ.filter((e) => e.startsWith('MALLOC_ARENA_MAX='))).toEqual(['MALLOC_ARENA_MAX=8']);
    } finally {
      await db.drop();
    }
  });
});

describe('the re-executed process', () => {
  it('says once that the .env file is missing (npm start passes --env-file-if-exists)', async () => {
    const envFile = '/nonexistent/scribe-test.env';
    const proc = spawnNode([`--env-file-if-exists=${envFile}`, path.join(ROOT, 'src/main.ts'), '--help'], cleanEnv({}));
    expect(await proc.exited).toBe(0);
    const notices = proc.output.filter((line) => line.includes(`${envFile} not found`));
    expect(notices).toEqual([`${envFile} not found. Continuing without it.`]);
  });
});
