/**
 * The HTTP half of the fake: Discord's REST API v10 under `/api/v10`, on 127.0.0.1. It owns the
 * transport concerns — routing by path pattern (segments URL-decoded, so `%40original` is
 * `@original`), bot-token auth, recording every call, latency and injected failures — and hands
 * the JSON body to route handlers (routes.ts, callbacks.ts). It also stands in for Discord's CDN:
 * files people attached (`files`) are served as they are, by path, on the same origin.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { readRequestBody } from '../http.ts';

/** One request the fake received, with the answer it gave. */
export interface RecordedCall {
  method: string;
  /** The matched pattern, e.g. `/channels/:channel/messages/:message` (`?` when unknown). */
  route: string;
  /** The decoded path below `/api/v10`, e.g. `/webhooks/1/tok/messages/@original`. */
  path: string;
  params: Record<string, string>;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON (or `payload_json` of a multipart body); undefined without a body. */
  body: unknown;
  /** Files of a multipart body, with their bytes; `text`: the file's content read as UTF-8 (for a test to parse back). */
  files: Array<{ field: string; name: string; type: string; size: number; data: Buffer; text: string }>;
  status: number;
  at: number;
}

/** Selects calls: `'PATCH /channels/:channel/messages/:message'` (or a route alone), a RegExp on `METHOD /path`, or a predicate. */
export type CallMatch = string | RegExp | ((call: Pick<RecordedCall, 'method' | 'route' | 'path'>) => boolean);

/** A scripted failure (or delay) for matching calls. */
export interface FaultRule {
  match: CallMatch;
  /** How many calls it applies to (default 1). */
  times?: number;
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait this long first; without `status` the call then proceeds normally. */
  delayMs?: number;
  /** Destroy the socket without answering (a network failure for the client). */
  drop?: boolean;
}

/** What a route handler sees. */
export interface RouteContext {
  method: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  headers: http.IncomingHttpHeaders;
  /** Files of a multipart body (`files[n]` fields), with their bytes. */
  files: RecordedCall['files'];
  /** `performance.now()` when the server first saw the request, before reading its body. */
  receivedAt: number;
}

/** What a route handler answers: 204 must have no body. */
export interface RouteResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One endpoint. `auth: false` for interaction callbacks and webhook routes (the token is in the path). */
export interface RouteDef {
  method: string;
  pattern: string;
  auth: boolean;
  handle(ctx: RouteContext): RouteResult | Promise<RouteResult>;
}

/** A JSON error answer. */
export function fail(status: number, message: string, code: number, extra: Record<string, unknown> = {}): RouteResult {
  return { status, body: { message, code, ...extra } };
}

/** Tests whether a call matches a {@link CallMatch}. */
export function matches(match: CallMatch, call: Pick<RecordedCall, 'method' | 'route' | 'path'>): boolean {
  if (typeof match === 'function') return match(call);
  if (match instanceof RegExp) return match.test(`${call.method} ${call.path}`);
  return match.includes(' ') ? match === `${call.method} ${call.route}` : match === call.route;
}

/** The REST server. Routes are added by the composition (index.ts). */
export class FakeDiscordRest {
  /** Every call, in arrival order. */
  readonly calls: RecordedCall[] = [];
  /** Latency added to every call, in ms. */
  latencyMs = 0;
  /** Attachments, by path (`/attachments/…`): GET answers them as the CDN would, unauthenticated. */
  readonly files = new Map<string, { contentType: string; body: string | Buffer }>();
  private readonly token: string;
  private readonly routes: RouteDef[] = [];
  private readonly faults: Array<FaultRule & { left: number }> = [];
  private readonly waiters = new Set<{ match: CallMatch; from: number; resolve: (c: RecordedCall) => void }>();
  private readonly server = http.createServer((req, res) => void this.serve(req, res));
  private port = 0;

  constructor(token: string) {
    this.token = token;
    // Connections kept 30 s, closer to a real API than 1 s, which made every call after an idle
    // second open a new connection (and the chat bench measure it); close() ends open ones itself.
    this.server.keepAliveTimeout = 30_000;
    this.server.headersTimeout = 31_000;
  }

  /** Adds endpoints. */
  addRoutes(routes: RouteDef[]): void {
    this.routes.push(...routes);
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** What to pass as discord.js `rest.api` / `DISCORD_API_URL`: `http://127.0.0.1:PORT/api`. */
  get apiUrl(): string {
    return `http://127.0.0.1:${this.port}/api`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Scripts a failure or delay for the next `times` matching calls. */
  inject(rule: FaultRule): void {
    this.faults.push({ ...rule, left: rule.times ?? 1 });
  }

  /**
   * Answers matching calls with 429 as Discord does: `retry-after` (seconds; discord.js waits
   * exactly this plus its 50 ms offset), `x-ratelimit-*` headers, and `{message, retry_after, global}`.
   */
  rateLimit(match: CallMatch, opts: { retryAfter?: number; global?: boolean; times?: number } = {}): void {
    const retryAfter = opts.retryAfter ?? 0.1;
    const headers: Record<string, string> = {
      'retry-after': String(retryAfter),
      'x-ratelimit-limit': '5',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String((Date.now() / 1000 + retryAfter).toFixed(3)),
      'x-ratelimit-reset-after': String(retryAfter),
      'x-ratelimit-scope': opts.global ? 'global' : 'user',
    };
    if (opts.global) headers['x-ratelimit-global'] = 'true';
    const body = { message: 'You are being rate limited.', retry_after: retryAfter, global: opts.global ?? false };
    this.inject({ match, status: 429, headers, body, times: opts.times ?? 1 });
  }

  /** Answers matching calls with 403; default Missing Permissions (50013), or e.g. 50001 Missing Access. */
  forbid(match: CallMatch, opts: { code?: number; message?: string; times?: number } = {}): void {
    const code = opts.code ?? 50013;
    const message = opts.message ?? (code === 50001 ? 'Missing Access' : 'Missing Permissions');
    this.inject({ match, status: 403, body: { message, code }, times: opts.times ?? Number.POSITIVE_INFINITY });
  }

  /** Removes every scripted failure. */
  clearFaults(): void {
    this.faults.length = 0;
  }

  /** Resolves with the first recorded call at index ≥ `from` (default 0) that matches, past or future. */
  waitForCall(match: CallMatch, from = 0): Promise<RecordedCall> {
    const hit = this.calls.slice(from).find((c) => matches(match, c));
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve) => this.waiters.add({ match, from, resolve }));
  }

  /** Calls that match, in order. */
  callsTo(match: CallMatch): RecordedCall[] {
    return this.calls.filter((c) => matches(match, c));
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const receivedAt = performance.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    const file = method === 'GET' ? this.files.get(url.pathname) : undefined;
    if (file) {
      res.writeHead(200, { 'content-type': file.contentType }).end(file.body);
      return;
    }
    const raw = url.pathname.startsWith('/api/v10/') ? url.pathname.slice('/api/v10'.length) : url.pathname;
    const segments = raw.split('/').map((s) => decodeURIComponent(s));
    const path = segments.join('/');
    const found = this.findRoute(method, segments);
    const { body, files, invalid } = await readBody(req);
    const call: RecordedCall = {
      method,
      route: found.route?.pattern ?? '?',
      path,
      params: found.params,
      query: url.searchParams,
      headers: req.headers,
      body,
      files,
      status: 0,
      at: Date.now(),
    };
    const result = invalid
      ? fail(400, 'The request body contains invalid JSON.', 50109)
      : await this.answer(call, found, receivedAt);
    if (result === 'drop') {
      req.socket.destroy();
      return;
    }
    call.status = result.status;
    this.record(call);
    const headers: Record<string, string> = { ...rateLimitHeaders(call.route), ...result.headers };
    // discord.js parses any `application/json` answer as JSON, so an empty 204 must not claim it.
    if (result.status === 204) {
      res.writeHead(204, headers).end();
    } else {
      res
        .writeHead(result.status, { 'content-type': 'application/json', ...headers })
        .end(JSON.stringify(result.body ?? null));
    }
  }

  private async answer(
    call: RecordedCall,
    found: { route?: RouteDef; known: boolean },
    receivedAt: number,
  ): Promise<RouteResult | 'drop'> {
    if (this.latencyMs > 0) await sleep(this.latencyMs);
    const route = found.route;
    if (!route) return found.known ? fail(405, '405: Method Not Allowed', 0) : fail(404, '404: Not Found', 0);
    if (route.auth && call.headers.authorization !== `Bot ${this.token}`) return fail(401, '401: Unauthorized', 0);
    const fault = this.faults.find((f) => f.left > 0 && matches(f.match, call));
    if (fault) {
      fault.left--;
      if (fault.delayMs) await sleep(fault.delayMs);
      if (fault.drop) return 'drop';
      if (fault.status) return { status: fault.status, body: fault.body, headers: fault.headers ?? {} };
    }
    try {
      return await route.handle({
        method: call.method,
        params: call.params,
        query: call.query,
        body: call.body,
        headers: call.headers,
        files: call.files,
        receivedAt,
      });
    } catch (err) {
      return fail(500, `500: Internal Server Error (fake: ${(err as Error).message})`, 0);
    }
  }

  private findRoute(
    method: string,
    segments: string[],
  ): { route?: RouteDef; params: Record<string, string>; known: boolean } {
    let known = false;
    for (const route of this.routes) {
      const params = matchPattern(route.pattern, segments);
      if (!params) continue;
      known = true;
      if (route.method === method) return { route, params, known };
    }
    return { params: {}, known };
  }

  private record(call: RecordedCall): void {
    this.calls.push(call);
    const index = this.calls.length - 1;
    for (const w of this.waiters) {
      if (index >= w.from && matches(w.match, call)) {
        this.waiters.delete(w);
        w.resolve(call);
      }
    }
  }
}

/** Patterns split once: the fake serves thousands of calls a run in the chat bench. */
const splitPatterns = new Map<string, string[]>();

function matchPattern(pattern: string, segments: string[]): Record<string, string> | null {
  let parts = splitPatterns.get(pattern);
  if (!parts) {
    parts = pattern.split('/');
    splitPatterns.set(pattern, parts);
  }
  if (parts.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const seg = segments[i]!;
    if (part.startsWith(':')) params[part.slice(1)] = seg;
    else if (part !== seg) return null;
  }
  return params;
}

/** Generous, never-exhausted bucket headers, so the client's queue never waits on its own. */
function rateLimitHeaders(route: string): Record<string, string> {
  return {
    'x-ratelimit-limit': '50',
    'x-ratelimit-remaining': '49',
    'x-ratelimit-reset': (Date.now() / 1000 + 1).toFixed(3),
    'x-ratelimit-reset-after': '1.000',
    'x-ratelimit-bucket': Buffer.from(route).toString('base64url').slice(0, 16),
  };
}

type ReadBody = { body: unknown; files: RecordedCall['files']; invalid?: boolean };

async function readBody(req: http.IncomingMessage): Promise<ReadBody> {
  const raw = await readRequestBody(req);
  try {
    return await parseBody(raw, req.headers['content-type'] ?? '');
  } catch {
    return { body: undefined, files: [], invalid: true };
  }
}

async function parseBody(raw: Buffer, type: string): Promise<ReadBody> {
  if (raw.length === 0) return { body: undefined, files: [] };
  if (type.startsWith('application/json')) return { body: JSON.parse(raw.toString('utf8')) as unknown, files: [] };
  if (type.startsWith('multipart/form-data')) {
    // discord.js sends files as multipart with the JSON in `payload_json`.
    const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
    const files: RecordedCall['files'] = [];
    let body: unknown;
    for (const [field, value] of form) {
      if (typeof value === 'string') {
        if (field === 'payload_json') body = JSON.parse(value) as unknown;
      } else {
        const data = Buffer.from(await value.arrayBuffer());
        files.push({ field, name: value.name, type: value.type, size: value.size, data, text: data.toString('utf8') });
      }
    }
    return { body, files };
  }
  return { body: raw.toString('utf8'), files: [] };
}
