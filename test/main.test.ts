/**
 * The CLI as users run it, on the embedded PostgreSQL (no DATABASE_URL), as a child process.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthReport } from '../src/http/health.ts';
import { cleanEnv, freePort, runScribe, spawnCommand, spawnScribe } from './helpers/scribe-process.ts';

let dataDir: string;

beforeAll(async () => {
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'scribe-start-'));
  await fs.chmod(dataDir, 0o755); // as root, the postgres user must be able to enter it
});

afterAll(async () => {
  await fs.rm(dataDir, { recursive: true, force: true });
});

/** PIDs of postgres processes serving our data directory. */
async function postgresPidsFor(dir: string): Promise<number[]> {
  const pids: number[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await fs.readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes('postgres') && cmdline.includes(dir)) pids.push(Number(entry));
  }
  return pids;
}

/** Connects to the embedded database the way an operator would: port from postmaster.pid. */
async function embeddedClient(dir: string): Promise<pg.Client> {
  const pid = await fs.readFile(path.join(dir, 'postgres', 'postmaster.pid'), 'utf8');
  const port = Number(pid.split('\n')[3]);
  const { password } = JSON.parse(await fs.readFile(path.join(dir, 'postgres-credentials.json'), 'utf8')) as {
    password: string;
  };
  const client = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'scribe' });
  await client.connect();
  return client;
}

async function startService(port: number, dir = dataDir, options: Parameters<typeof spawnScribe>[2] = {}) {
  const proc = spawnScribe(
    ['start'],
    cleanEnv({ SCRIBE_DATA_DIR: dir, PORT: String(port), LOG_LEVEL: 'info' }),
    options,
  );
  await proc.waitForEvent({ event: 'scribe.started' });
  return proc;
}

describe('scribe start without DATABASE_URL', () => {
  it('runs on the embedded PostgreSQL, keeps data across restarts, and exits 0 on SIGTERM leaving no postgres behind', async () => {
    const port = await freePort();
    const first = await startService(port);

    const res = await fetch(`http://127.0.0.1:${port}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'degraded' }); // no ANTHROPIC_API_KEY
    // The details are on the operators' loopback port, beside /metrics.
    const running = first.logs.find((l) => l.event === 'scribe.started')!;
    const health = (await (
      await fetch(String(running.metrics).replace(/\/metrics$/, '/health'))
    ).json()) as HealthReport;
    expect(health.database).toEqual({ up: true, embedded: true });
    expect(health.queue.up).toBe(true);
    expect(first.events({ event: 'migration.applied' }).length).toBeGreaterThan(0);
    // WORKER_CONCURRENCY unset: chosen from the machine's memory, and said at start.
    const [chosen] = first.events({ event: 'worker.concurrency_chosen' });
    expect(chosen?.msg).toMatch(/^concurrency [1-8] \(from \d+(\.\d)? GB of memory\)$/);

    const client = await embeddedClient(dataDir);
    await client.query(
      "INSERT INTO users (platform, team_id, platform_user_id, display_name) VALUES ('slack', 'T1', 'U1', 'Ada')",
    );
    await client.end();

    first.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    expect(first.events({ event: 'postgres.stopped' })).toHaveLength(1);
    expect(await postgresPidsFor(dataDir)).toEqual([]);

    const second = await startService(port);
    expect(second.events({ event: 'migration.applied' })).toEqual([]);
    const again = await embeddedClient(dataDir);
    const { rows } = await again.query('SELECT display_name FROM users');
    await again.end();
    expect(rows).toEqual([{ display_name: 'Ada' }]);

    second.kill('SIGINT');
    expect(await second.exited).toBe(0);
    expect(await postgresPidsFor(dataDir)).toEqual([]);
  });

  it('recovers when an earlier run was killed outright and left postgres running', async () => {
    const port = await freePort();
    const killed = await startService(port);
    killed.kill('SIGKILL');
    await killed.exited;
    expect((await postgresPidsFor(dataDir)).length).toBeGreaterThan(0); // the orphan

    const next = await startService(port);
    expect(next.events({ event: 'postgres.found_running' })).toHaveLength(1);
    expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
    next.kill('SIGTERM');
    expect(await next.exited).toBe(0);
    expect(await postgresPidsFor(dataDir)).toEqual([]);
  });
});

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** npm's major version: npm 9 traps SIGTERM without passing it on; 10 and later forward it. */
const npmMajor = Number(execFileSync('npm', ['--version'], { encoding: 'utf8' }).split('.')[0]);

describe('stopping `npm start`', () => {
  it.runIf(npmMajor >= 10)(
    'SIGTERM to npm stops Scribe and its PostgreSQL, so the next start gets the port',
    async () => {
      const port = await freePort();
      const env = cleanEnv({ SCRIBE_DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info' });
      const npm = spawnCommand('npm', ['start'], env);
      const running = await npm.waitForEvent({ event: 'scribe.started' });
      const scribePid = Number(running.pid);
      expect(scribePid).not.toBe(npm.child.pid);
      try {
        npm.kill('SIGTERM');
        expect(await npm.exited).toBe(0);
        expect(npm.logs.some((l) => l.event === 'postgres.stopped')).toBe(true);
        expect(isAlive(scribePid)).toBe(false);
        expect(await postgresPidsFor(dataDir)).toEqual([]);
      } finally {
        // Left behind by a failure: let it stop itself (and its database) rather than outlive the run.
        if (isAlive(scribePid)) process.kill(scribePid, 'SIGTERM');
      }

      const next = await startService(port);
      next.kill('SIGTERM');
      expect(await next.exited).toBe(0);
    },
    180_000, // two starts of the whole service, the first through npm
  );
});

describe('a port already in use', () => {
  it('is one line saying to set PORT, and the embedded PostgreSQL is stopped', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const { code, logs, output } = await runScribe(
        ['start'],
        cleanEnv({ SCRIBE_DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info' }),
      );
      expect(code).toBe(1);
      expect(output).toBe(
        `scribe start: port ${port} is already in use (is Scribe already running?): stop that process, or set PORT to a free port`,
      );
      expect(JSON.stringify(logs)).not.toContain('EADDRINUSE');
      expect(logs.some((l) => l.event === 'postgres.stopped')).toBe(true);
      expect(await postgresPidsFor(dataDir)).toEqual([]);
    } finally {
      taken.close();
    }
  });
});

describe('scribe start as an unprivileged user', () => {
  // As root the main test above covers the postgres-user path; this covers a normal user's.
  it.runIf(process.getuid?.() === 0)('runs the embedded PostgreSQL as that user', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'scribe-nobody-'));
    await fs.chmod(dir, 0o755);
    await fs.chown(dir, 65534, 65534);
    try {
      const port = await freePort();
      const proc = await startService(port, dir, { runAs: { user: 'nobody', group: '65534' } });
      expect((await fetch(`http://127.0.0.1:${port}/health`)).status).toBe(200);
      const stat = await fs.stat(path.join(dir, 'postgres'));
      expect(stat.uid).toBe(65534);
      proc.kill('SIGTERM');
      expect(await proc.exited).toBe(0);
      expect(await postgresPidsFor(dir)).toEqual([]);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});

describe('scribe CLI', () => {
  it('lists every command with --help', async () => {
    const { code, output } = await runScribe(['--help'], cleanEnv({}));
    expect(code).toBe(0);
    for (const command of ['start', 'bot', 'worker', 'migrate', 'draft', 'discord-register']) {
      expect(output).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
    }
  });

  it('exits 1 naming every invalid variable, before touching the database', async () => {
    const { code, output } = await runScribe(
      ['start'],
      cleanEnv({ PORT: 'abc', LOG_LEVEL: 'loud', DISCORD_TOKEN: 'abc', SCRIBE_DATA_DIR: dataDir }),
    );
    expect(code).toBe(1);
    expect(output).toContain('PORT: expected a whole number from 0 to 65535, got "abc"');
    expect(output).toContain('LOG_LEVEL: expected one of');
    expect(output).toContain('DISCORD_APPLICATION_ID: required when DISCORD_TOKEN is set');
  });

  it('rejects unknown commands with the usage', async () => {
    const unknown = await runScribe(['frobnicate'], cleanEnv({}));
    expect(unknown.code).toBe(2);
    expect(unknown.output).toContain('unknown command "frobnicate"');
  });

  it('applies migrations with `scribe migrate` against DATABASE_URL', async () => {
    const { createTestDatabase } = await import('./helpers/db.ts');
    const db = await createTestDatabase();
    try {
      const first = await runScribe(['migrate'], cleanEnv({ DATABASE_URL: db.url }));
      expect(first.code).toBe(0);
      const { readMigrations } = await import('../src/db/migrate.ts');
      const shipped = (await readMigrations()).map((m) => m.version);
      expect(first.events({ event: 'migrations.finished' })).toMatchObject([{ applied: shipped }]);
      expect(shipped[0]).toBe('001');
      const second = await runScribe(['migrate'], cleanEnv({ DATABASE_URL: db.url }));
      expect(second.code).toBe(0);
      expect(second.events({ event: 'migrations.finished' })).toMatchObject([{ applied: [] }]);
    } finally {
      await db.drop();
    }
  });
});
