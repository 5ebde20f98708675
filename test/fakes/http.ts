/**
 * The shared plumbing of the HTTP fakes: a server on 127.0.0.1, every request recorded, and
 * injected trouble (latency, error answers, malformed bodies, hangs) for the next requests.
 *
 *   fake.latencyMs = 300                                   // before every answer
 *   fake.failNext([{ status: 429, headers: { 'retry-after': '1' } }, { status: 529 }])
 *   fake.failNext([{ hang: true }], /^\/search/)            // only for matching paths
 *   fake.failNext([{ malformed: true }, { drop: true }])   // cut-off JSON; connection closed
 *   fake.requests                                          // method, path, headers, body, json, at, doneAt
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** Parsed JSON body, when it was JSON. */
  json: unknown;
  at: number;
  /** When the answer was finished (or the connection closed); unset while in flight. */
  doneAt?: number;
}

/**
 * One injected failure: an error answer, a request that never gets an answer (the client's
 * timeout must act), a 200 whose JSON body is cut off, or a connection dropped without an answer.
 */
export type Trouble =
  | { status: number; headers?: Record<string, string>; body?: string }
  | { hang: true }
  | { malformed: true }
  | { drop: true };

export interface FakeHttp {
  url: string;
  port: number;
  requests: RecordedRequest[];
  /** Delay before every answer. */
  latencyMs: number;
  /** Trouble for the next requests, one per request, in order (matching `path` when given). */
  failNext(trouble: Trouble[], path?: RegExp): void;
  /** Drops injected trouble not yet used. */
  clearFailures(): void;
  close(): Promise<void>;
}

export type Handler = (req: RecordedRequest, res: http.ServerResponse) => void | Promise<void>;

/** A server on 127.0.0.1 (a free port) that records every request, then answers with `handler` unless trouble is queued. */
export async function startFakeHttp(handler: Handler): Promise<FakeHttp> {
  const queued: { trouble: Trouble; path: RegExp | undefined }[] = [];
  const sockets = new Set<import('node:net').Socket>();
  const fake: FakeHttp = {
    url: '',
    port: 0,
    requests: [],
    latencyMs: 0,
    failNext(trouble, path) {
      for (const t of trouble) queued.push({ trouble: t, path });
    },
    clearFailures() {
      queued.length = 0;
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  const server = http.createServer(async (req, res) => {
    const body = (await readRequestBody(req)).toString('utf8');
    let json: unknown;
    try {
      json = body ? JSON.parse(body) : undefined;
    } catch {
      json = undefined;
    }
    const recorded: RecordedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      body,
      json,
      at: Date.now(),
    };
    fake.requests.push(recorded);
    res.on('close', () => {
      recorded.doneAt = Date.now();
    });
    if (fake.latencyMs > 0) await new Promise((r) => setTimeout(r, fake.latencyMs));
    const index = queued.findIndex((q) => !q.path || q.path.test(recorded.path));
    if (index >= 0) {
      const trouble = queued.splice(index, 1)[0]!.trouble;
      if ('hang' in trouble) return; // never answers; the client's timeout must act
      if ('drop' in trouble) {
        res.socket?.destroy();
        return;
      }
      if ('malformed' in trouble) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"this is": not json');
        return;
      }
      res.writeHead(trouble.status, { 'content-type': 'application/json', ...trouble.headers });
      res.end(trouble.body ?? JSON.stringify({ error: `injected ${trouble.status}` }));
      return;
    }
    await handler(recorded, res);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  fake.port = (server.address() as AddressInfo).port;
  fake.url = `http://127.0.0.1:${fake.port}`;
  return fake;
}

/**
 * A request's body, whole. With events, not `for await`: the fakes serve thousands of small bodies
 * a run in the chat bench, and the async iterator's setup cost more than the rest of each read.
 * (The fakes import nothing of Scribe's, so not src/http's `readBody`.)
 */
export function readRequestBody(req: http.IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete) reject(new Error('the client closed the request before its end'));
    });
  });
}

/** Writes a JSON answer. */
export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** A URL on 127.0.0.1 where nothing listens (connections are refused), e.g. for "service down". */
export async function deadUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
