/**
 * `GET /health`: is the database answering, is the queue running, which integrations are set up
 * and what is missing for the rest. 200 when the database answers, 503 when it does not, so a
 * load balancer or systemd watchdog can act on the status alone.
 */
import { integrationsOf, type Config } from '../config.ts';
import { isDatabaseUp, type Db } from '../db/pool.ts';
import type { JobQueue } from '../jobs/queue.ts';
import { QUEUES } from '../jobs/queue.ts';
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

export async function checkHealth(sources: HealthSources): Promise<HealthReport> {
  const databaseUp = await isDatabaseUp(sources.db);
  const queue = databaseUp && sources.queue ? await queueCounts(sources.queue) : { up: false };
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

export function healthRoute(sources: HealthSources): Route {
  return {
    method: 'GET',
    path: '/health',
    handler: async (_req, res) => {
      const report = await checkHealth(sources);
      sendJson(res, report.database.up ? 200 : 503, report);
    },
  };
}
