/**
 * The HTTP side of the fake: the Web API under `/api/<method>`, response URLs under `/commands/…`
 * and `/actions/…`, and the Socket Mode upgrade under `/link/`. It owns the transport concerns —
 * body parsing (form-encoded as the WebClient sends, or JSON), tokens, recording every call,
 * latency and scripted failures — and hands arguments to the method handlers.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { readRequestBody } from '../http.ts';
import { SlackApiError, type MethodDef } from './api.ts';
import type { FakeSocketMode } from './socket.ts';
import type { SlackState } from './state.ts';

/** One Web API call the fake received, with its answer. */
export interface RecordedCall {
  /** The Web API method, e.g. `chat.update`. */
  method: string;
  /** Arguments, form fields or JSON; `blocks`, `attachments`, `metadata`, `view` decoded from JSON. */
  args: Record<string, unknown>;
  headers: http.IncomingHttpHeaders;
  /** The token used (Authorization header or `token` argument). */
  token?: string;
  status: number;
  /** The JSON answer (undefined when the connection was dropped). */
  response?: Record<string, unknown>;
  /** True when a scripted fault answered. */
  fault: boolean;
  at: number;
}

/** A POST to a response URL (Bolt's `respond()`). */
export interface ResponseUrlPost {
  path: string;
  body: Record<string, unknown>;
  status: number;
  at: number;
}

/** A scripted failure (or delay) for the next `times` calls of a method. */
export interface SlackFault {
  /** `chat.update`, a RegExp on the method name, or a predicate on the call. */
  method: string | RegExp | ((method: string, args: Record<string, unknown>) => boolean);
  /** How many calls it applies to (default 1; `Infinity` for all). */
  times?: number;
  /** Answer `{ ok: false, error }` with HTTP 200, as Slack does for API errors. */
  error?: string;
  /** Answer with this HTTP status (429 gets `Retry-After`). */
  status?: number;
  /** Seconds for `Retry-After`; implies status 429. The WebClient reads whole seconds, so 0 retries at once. */
  retryAfter?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Wait first; with nothing else set the call then proceeds normally. */
  delayMs?: number;
  /** Destroy the connection without answering. */
  drop?: boolean;
  /** Do the call, then destroy the connection without answering: the work is done, the answer lost. */
  loseAnswer?: boolean;
}

const JSON_FIELDS = ['blocks', 'attachments', 'metadata', 'view'];

function decodeArgs(raw: string, contentType: string): Record<string, unknown> {
  if (raw === '') return {};
  if (contentType.startsWith('application/json')) {
    const parsed: unknown = JSON.parse(raw);
    return typeof parsed === 'object' && parsed !== null ? { ...parsed } : {};
  }
  const args: Record<string, unknown> = Object.fromEntries(new URLSearchParams(raw));
  for (const key of JSON_FIELDS) {
    const value = args[key];
    if (typeof value !== 'string') continue;
    try {
      args[key] = JSON.parse(value);
    } catch {
      // Left as the string: the handler answers invalid_arguments / invalid_blocks.
    }
  }
  return args;
}

function send(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  res.writeHead(status, {
    'content-type': typeof body === 'string' ? 'text/plain' : 'application/json; charset=utf-8',
    ...headers,
  });
  res.end(text);
}

/** The server. `handleResponseUrl` applies a response-URL post to the workspace (responses.ts). */
export class SlackHttpServer {
  readonly calls: RecordedCall[] = [];
  readonly responseUrlPosts: ResponseUrlPost[] = [];
  /** Latency added to every Web API call, in ms. */
  latencyMs = 0;
  /** Extra latency per method, in ms. */
  readonly methodLatencyMs = new Map<string, number>();
  private readonly faults: Array<SlackFault & { left: number }> = [];
  private readonly server = http.createServer((req, res) => void this.serve(req, res));
  private port = 0;
  private readonly deps: {
    state: SlackState;
    socket: FakeSocketMode;
    methods: Record<string, MethodDef>;
    botToken: string;
    appToken: string;
    handleResponseUrl(path: string, body: Record<string, unknown>): { status: number; body: unknown };
  };

  constructor(deps: SlackHttpServer['deps']) {
    this.deps = deps;
    // Connections kept 30 s, closer to a real API than 1 s, which made every call after an idle
    // second open a new connection (and the chat bench measure it); close() ends open ones itself.
    this.server.keepAliveTimeout = 30_000;
    this.server.headersTimeout = 31_000;
    this.server.on('upgrade', (req, socket, head) => deps.socket.handleUpgrade(req, socket, head));
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  /** `http://127.0.0.1:PORT` */
  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Scripts a failure or delay. */
  inject(fault: SlackFault): void {
    this.faults.push({ ...fault, left: fault.times ?? 1 });
  }

  private takeFault(method: string, args: Record<string, unknown>): SlackFault | undefined {
    const index = this.faults.findIndex((f) =>
      typeof f.method === 'string'
        ? f.method === method
        : f.method instanceof RegExp
          ? f.method.test(method)
          : f.method(method, args),
    );
    const fault = this.faults[index];
    if (!fault) return undefined;
    if (--fault.left <= 0) this.faults.splice(index, 1);
    return fault;
  }

  private async serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const bytes = await readRequestBody(req);
    const raw = bytes.toString('utf8');
    const path = new URL(req.url ?? '/', 'http://127.0.0.1').pathname;
    const contentType = req.headers['content-type'] ?? '';
    try {
      if (req.method === 'POST' && path.startsWith('/upload/v1/'))
        return await this.upload(path.slice(11), bytes, req, res);
      if (req.method === 'POST' && path.startsWith('/api/')) return await this.api(path.slice(5), raw, req, res);
      if (req.method === 'POST' && /^\/(commands|actions)\//.test(path)) {
        const body = contentType.startsWith('application/json')
          ? (JSON.parse(raw) as Record<string, unknown>)
          : { text: raw };
        const answer = this.deps.handleResponseUrl(path, body);
        this.responseUrlPosts.push({ path, body, status: answer.status, at: Date.now() });
        this.deps.state.changed();
        return send(res, answer.status, answer.body);
      }
      send(res, 404, 'not found');
    } catch (error) {
      send(res, 500, { ok: false, error: 'fatal_error', detail: String(error) });
    }
  }

  private async api(method: string, raw: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const at = Date.now();
    let args: Record<string, unknown>;
    try {
      args = decodeArgs(raw, req.headers['content-type'] ?? '');
    } catch {
      args = { raw };
      this.calls.push({
        method,
        args,
        headers: req.headers,
        status: 200,
        response: { ok: false, error: 'invalid_json' },
        fault: false,
        at,
      });
      return send(res, 200, { ok: false, error: 'invalid_json' });
    }
    const bearer = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const token = bearer ?? (typeof args.token === 'string' ? args.token : undefined);
    const record = (status: number, response: Record<string, unknown> | undefined, fault: boolean): void => {
      this.calls.push({
        method,
        args,
        headers: req.headers,
        ...(token ? { token } : {}),
        status,
        ...(response ? { response } : {}),
        fault,
        at,
      });
      this.deps.state.changed();
    };
    const delay = this.latencyMs + (this.methodLatencyMs.get(method) ?? 0);
    if (delay > 0) await sleep(delay);

    const fault = this.takeFault(method, args);
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (fault?.drop) {
      record(0, undefined, true);
      req.socket.destroy();
      return;
    }
    if (
      fault &&
      (fault.status !== undefined ||
        fault.retryAfter !== undefined ||
        fault.error !== undefined ||
        fault.body !== undefined)
    ) {
      const status = fault.status ?? (fault.retryAfter !== undefined ? 429 : 200);
      const body = (fault.body ??
        (fault.error
          ? { ok: false, error: fault.error }
          : status === 429
            ? { ok: false, error: 'ratelimited' }
            : { ok: false, error: 'internal_error' })) as Record<string, unknown>;
      const headers = { ...(status === 429 ? { 'retry-after': String(fault.retryAfter ?? 1) } : {}), ...fault.headers };
      record(status, body, true);
      return send(res, status, body, headers);
    }

    let answer: Record<string, unknown>;
    const def = this.deps.methods[method];
    try {
      if (!def) throw new SlackApiError('unknown_method');
      this.checkToken(def, token);
      answer = {
        ok: true,
        ...def.handle({ state: this.deps.state, args, socketUrl: () => this.socketUrl(), baseUrl: this.baseUrl }),
      };
    } catch (error) {
      if (!(error instanceof SlackApiError)) throw error;
      answer = { ok: false, error: error.error, ...error.extra };
    }
    if (fault?.loseAnswer) {
      record(0, answer, true);
      req.socket.destroy();
      return;
    }
    record(200, answer, false);
    send(res, 200, answer, { 'x-oauth-scopes': [...this.deps.state.scopes].join(','), 'x-accepted-oauth-scopes': '' });
  }

  /**
   * An upload URL (files.getUploadURLExternal's `upload_url`): the file's bytes, raw or as the one
   * file of a multipart form (the WebClient sends `{ body: Buffer }` as multipart). Slack answers
   * 200 with `OK - <bytes>`; an unknown or already completed file is a 404.
   */
  private async upload(fileId: string, bytes: Buffer, req: http.IncomingMessage, res: http.ServerResponse) {
    const file = this.deps.state.files.get(fileId);
    if (!file || file.completed) return send(res, 404, 'not found');
    const type = req.headers['content-type'] ?? '';
    let content = bytes;
    if (type.startsWith('multipart/form-data')) {
      const form = await new Response(bytes, { headers: { 'content-type': type } }).formData();
      const part = [...form.values()].find((v): v is File => typeof v !== 'string');
      if (!part) return send(res, 400, 'no file');
      content = Buffer.from(await part.arrayBuffer());
    }
    file.content = content;
    this.deps.state.changed();
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`OK - ${content.length}`);
  }

  private checkToken(def: MethodDef, token: string | undefined): void {
    if (!token) throw new SlackApiError('not_authed');
    const wanted = def.token === 'app' ? this.deps.appToken : this.deps.botToken;
    if (token === wanted) return;
    const isApp = token.startsWith('xapp-');
    if ((def.token === 'app') !== isApp && (isApp || token.startsWith('xox')))
      throw new SlackApiError('not_allowed_token_type');
    throw new SlackApiError('invalid_auth');
  }

  private socketUrl(): string {
    return `ws://127.0.0.1:${this.port}/link/?ticket=${this.deps.socket.newTicket()}&app_id=${this.deps.state.bot.appId}`;
  }
}
