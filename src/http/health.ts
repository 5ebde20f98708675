/**
 * `GET /health`, in two views of one check. The public one (on `PORT`) answers only what a load
 * balancer or systemd watchdog acts on: `{ "status": "ok" | "degraded" | "down" }`, 200 when the
 * database answers and 503 when it does not. The detailed one (on the loopback `METRICS_PORT`, beside
 * `/metrics`) adds the database, the queue's counts, the roles, which integrations are set up and
 * what is missing for the rest, and the uptime: useful to an operator, and to an attacker (which
 * keys are unset, whether the database is embedded, how busy the queue is), so never public.
 *
 * The database and queue are probed at most once per `PROBE_CACHE_MS` (`cached.ts`), however many
 * requests arrive.
 */
import { integrationsOf, type Config } from '../config.ts';
import { isDatabaseUp, type Db } from '../db/pool.ts';
import type { JobQueue } from '../jobs/queue.ts';
import { QUEUES } from '../jobs/queue.ts';
import { cachedFor, PROBE_CACHE_MS } from './cached.ts';
import { sendJson, type Route } from './server.ts';

export interface HealthSources {
  config: Config;
  db: Db;
  queue: JobQueue | undefined;
  /** What this process runs, e.g. ['worker', 'http']. */
  roles: readonly string[];
  embeddedDatabase: boolean;
  startedAt: Date;
}

export interface HealthReport {
  status: 'ok' | 'degraded' | 'down';
  database: { up: boolean; embedded: boolean };
  queue: { up: boolean; queued?: number; active?: number; deadLettered?: number };
  roles: readonly string[];
  integrations: ReturnType<typeof integrationsOf>;
  uptimeSeconds: number;
}

/** What the public `/health` says. */
export type PublicHealth = Pick<HealthReport, 'status'>;

export type HealthCheck = () => Promise<HealthReport>;

export interface HealthCheckOptions {
  /** How long a probe of the database and queue is reused (default `PROBE_CACHE_MS`). */
  cacheMs?: number;
  /** The clock of that cache (tests). */
  now?: () => number;
}

/** The check both views serve: the database and queue probed through the cache, the rest fresh. */
export function createHealthCheck(sources: HealthSources, options: HealthCheckOptions = {}): HealthCheck {
  const probe = cachedFor(
    options.cacheMs ?? PROBE_CACHE_MS,
    async () => {
      const databaseUp = await isDatabaseUp(sources.db);
      const queue = databaseUp && sources.queue ? await queueCounts(sources.queue) : { up: false };
      return { databaseUp, queue };
    },
    options.now,
  );
  return async () => {
    const { databaseUp, queue } = await probe();
    const integrations = integrationsOf(sources.config);
    const degraded = !queue.up || !integrations.anthropic.configured;
    return {
      status: !databaseUp ? 'down' : degraded ? 'degraded' : 'ok',
      database: { up: databaseUp, embedded: sources.embeddedDatabase },
      queue,
      roles: sources.roles,
      integrations,
      uptimeSeconds: Math.round((Date.now() - sources.startedAt.getTime()) / 1000),
    };
  };
}

async function queueCounts(queue: JobQueue): Promise<HealthReport['queue']> {
  try {
    const [generate, dead] = await Promise.all([
      queue.boss.getQueue(QUEUES.generate),
      queue.boss.getQueue(QUEUES.generateDead),
    ]);
    if (!generate) return { up: false };
    return {
      up: true,
      queued: generate.queuedCount,
      active: generate.activeCount,
      deadLettered: dead?.totalCount ?? 0,
    };
  } catch {
    return { up: false };
  }
}

/** `GET /health`: `public` answers the status alone, `detailed` the whole report. */
export function healthRoute(check: HealthCheck, view: 'public' | 'detailed'): Route {
  return {
    method: 'GET',
    path: '/health',
    handler: async (_req, res) => {
      const report = await check();
      const body: PublicHealth | HealthReport = view === 'public' ? { status: report.status } : report;
      sendJson(res, report.database.up ? 200 : 503, body);
    },
  };
}
