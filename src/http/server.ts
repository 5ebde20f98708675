/**
 * An HTTP server of the service: the public one (`/health`, `/slack/events` when Slack runs over
 * HTTP) and the loopback one for operators (`/metrics`, the detailed `/health`), both built in
 * `src/commands/http.ts`. Plain node:http — a few routes do not need a framework, and Bolt's
 * receiver plugs in as a listener.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../log.ts';

export type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse) => void | Promise<void>;

export interface Route {
  method: string;
  path: string;
  handler: RequestHandler;
}

export interface HttpServer {
  server: http.Server;
  /** The port actually bound (useful with port 0). */
  port: number;
  /** Adds a route after start (a bot that starts later than the server). */
  route(route: Route): void;
  close(): Promise<void>;
}

export async function startHttpServer(options: {
  port: number;
  host?: string;
  logger: Logger;
  routes?: Route[];
  /** For the log line, e.g. `metrics`. */
  name?: string;
}): Promise<HttpServer> {
  const { logger } = options;
  const routes = [...(options.routes ?? [])];
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    const route = routes.find((r) => r.path === pathname && r.method === req.method);
    if (!route) {
      const allowed = routes.filter((r) => r.path === pathname).map((r) => r.method);
      sendJson(res, allowed.length ? 405 : 404, { error: allowed.length ? 'method not allowed' : 'not found' });
      return;
    }
    Promise.resolve(route.handler(req, res)).catch((err: unknown) => {
      logger.error({ err, path: pathname }, 'request handler failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.end();
    });
  });
  // Slack and health checkers use keep-alive; do not let idle sockets hold shutdown.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ server: options.name ?? 'http', host: options.host, port }, 'HTTP server listening');
  return {
    server,
    port,
    route(route) {
      routes.push(route);
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    },
  };
}

export function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** The largest body `readBody` reads by default (Bolt's own limit for Slack's posts). */
export const BODY_LIMIT_BYTES = 4 * 1024 * 1024;

/**
 * A request's body, whole. Rejects with `BodyTooLarge` past `limit` bytes (at once when its
 * content-length says so, before reading), or if the client goes away before its end.
 */
export function readBody(req: http.IncomingMessage, limit = BODY_LIMIT_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length']);
    if (declared > limit) return reject(new BodyTooLarge(limit));
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        reject(new BodyTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete) reject(new Error('the client closed the request before its end'));
    });
  });
}

/** A body over `readBody`'s limit: answer 413. */
export class BodyTooLarge extends Error {
  constructor(limit: number) {
    super(`request body over ${limit} bytes`);
  }
}
