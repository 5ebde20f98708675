/**
 * The HTTP servers of `scribe start` and `scribe bot`, two of them:
 * - the public one on `PORT`: `/health` with the status alone (what a load balancer needs) and,
 *   once the Slack bot starts over HTTP, `/slack/events`;
 * - the operators' one on `METRICS_PORT`, bound to 127.0.0.1 only: `/metrics` and the detailed
 *   `/health`. Reach it from elsewhere through an SSH tunnel or a reverse proxy that authenticates.
 * Both answer from one health check, whose database probe is shared for a few seconds.
 */
import type { Config } from '../config.ts';
import type { Db } from '../db/pool.ts';
import { createHealthCheck, healthRoute } from '../http/health.ts';
import type { PromMetrics } from '../http/metrics.ts';
import { startHttpServer, type HttpServer } from '../http/server.ts';
import type { JobQueue } from '../jobs/queue.ts';
import type { Lifecycle } from '../lifecycle.ts';
import type { Logger } from '../log.ts';

/** Where the operators' server listens: never a public interface. */
export const METRICS_HOST = '127.0.0.1';

export interface HttpParts {
  config: Config;
  logger: Logger;
  lifecycle: Lifecycle;
  pool: Db;
  queue: JobQueue;
  /** What the process runs; read at each request, so roles added later show. */
  roles: readonly string[];
  embeddedDatabase: boolean;
  /** The process's metrics, served on the operators' server. */
  prom: PromMetrics | undefined;
}

export interface HttpServers {
  /** `PORT`: the public `/health`; Slack's events are mounted on it later. */
  public: HttpServer;
  /** `METRICS_PORT` on 127.0.0.1: `/metrics` and the detailed `/health`. */
  metrics: HttpServer;
}

export async function startHttpServers(parts: HttpParts): Promise<HttpServers> {
  const { config, logger, lifecycle } = parts;
  const check = createHealthCheck({
    config,
    db: parts.pool,
    queue: parts.queue,
    roles: parts.roles,
    embeddedDatabase: parts.embeddedDatabase,
    startedAt: new Date(),
  });
  // `PORT` first: with `METRICS_PORT=0` the metrics server takes any free port, which could be the
  // very one `PORT` names if it were not listening yet.
  const server = await startHttpServer({ port: config.port, logger, routes: [healthRoute(check, 'public')] });
  lifecycle.add('http', () => server.close(), 10_000);
  const metrics = await startHttpServer({
    name: 'metrics',
    port: config.metricsPort,
    host: METRICS_HOST,
    logger,
    routes: [...(parts.prom ? [parts.prom.route] : []), healthRoute(check, 'detailed')],
  });
  lifecycle.add('metrics server', () => metrics.close(), 10_000);
  return { public: server, metrics };
}
