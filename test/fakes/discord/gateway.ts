/**
 * The gateway half of the fake: a WebSocket server speaking Discord's gateway v10 in JSON —
 * HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeats and ACKs, sequence numbers, RESUME with
 * replay of what was missed, intents, and optional `compress=zlib-stream`. discord.js without the
 * optional `zlib-sync` package connects with `?v=10&encoding=json` and no compression.
 */
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { WebSocket, WebSocketServer } from 'ws';
import { EVENT_INTENT, Intent, guildCreatePayload, readyPayload } from './guild-payload.ts';
import type { DiscordWorld } from './world.ts';

/** Gateway opcodes used here (Discord's values). */
export const Op = {
  Dispatch: 0,
  Heartbeat: 1,
  Identify: 2,
  Resume: 6,
  Reconnect: 7,
  InvalidSession: 9,
  Hello: 10,
  HeartbeatAck: 11,
} as const;

/** A frame received from a client. */
export interface ReceivedFrame {
  op: number;
  d: unknown;
  at: number;
}

interface Session {
  id: string;
  intents: number;
  seq: number;
  /** Dispatches sent (or due) on this session, for RESUME replay. */
  log: Array<{ s: number; frame: string }>;
  conn: Conn | null;
}

interface Conn {
  ws: WebSocket;
  session?: Session;
  send(frame: string): void;
}

/** Options of {@link FakeDiscordGateway}. */
export interface GatewayOptions {
  /** HELLO's heartbeat_interval; short in tests (default 1000 ms). */
  heartbeatIntervalMs?: number;
}

/** The fake gateway. Sessions survive a dropped connection so clients can RESUME. */
export class FakeDiscordGateway {
  /** Every frame clients sent, in order. */
  readonly received: ReceivedFrame[] = [];
  /** Answer heartbeats (set false to make the client declare a zombie connection and resume). */
  ackHeartbeats = true;
  readonly heartbeatIntervalMs: number;
  private readonly world: DiscordWorld;
  private readonly sessions = new Map<string, Session>();
  private readonly conns = new Set<Conn>();
  private readonly waiters = new Set<{ op: number; from: number; resolve: (f: ReceivedFrame) => void }>();
  private wss: WebSocketServer | undefined;

  constructor(world: DiscordWorld, options: GatewayOptions = {}) {
    this.world = world;
    this.heartbeatIntervalMs = options.heartbeatIntervalMs ?? 1000;
  }

  async start(): Promise<void> {
    const wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    this.wss = wss;
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    wss.on('connection', (ws, req) => this.accept(ws, new URL(req.url ?? '/', 'ws://127.0.0.1').searchParams));
  }

  /** `ws://127.0.0.1:PORT`, as `GET /gateway/bot` and READY's resume_gateway_url give it. */
  get url(): string {
    return `ws://127.0.0.1:${(this.wss?.address() as AddressInfo | undefined)?.port ?? 0}`;
  }

  /** Open connections that have identified or resumed. */
  get liveSessions(): number {
    return [...this.sessions.values()].filter((s) => s.conn).length;
  }

  async close(): Promise<void> {
    for (const conn of this.conns) conn.ws.terminate();
    this.sessions.clear();
    await new Promise<void>((resolve) => (this.wss ? this.wss.close(() => resolve()) : resolve()));
  }

  /**
   * Sends a dispatch (op 0) to every session whose intents allow it — connected ones at once,
   * dropped ones on RESUME. Returns how many sessions it was queued for.
   */
  dispatch(t: string, d: unknown): number {
    const needed = EVENT_INTENT[t] ?? 0;
    let count = 0;
    for (const session of this.sessions.values()) {
      if (needed && !(session.intents & needed)) continue;
      this.sendDispatch(session, t, this.redact(session, t, d));
      count++;
    }
    return count;
  }

  /** Closes every connection with `code` (default 4000: discord.js resumes); `terminate` drops TCP without a close frame. */
  disconnect(opts: { code?: number; reason?: string; terminate?: boolean } = {}): void {
    for (const conn of this.conns) {
      if (opts.terminate) conn.ws.terminate();
      else conn.ws.close(opts.code ?? 4000, opts.reason ?? 'fake disconnect');
    }
  }

  /** Sends op 7 RECONNECT: the client closes and resumes. */
  requestReconnect(): void {
    for (const conn of this.conns) conn.send(JSON.stringify({ op: Op.Reconnect, d: null }));
  }

  /** Forgets all sessions and sends op 9 (d=false): clients must IDENTIFY again. */
  invalidateSessions(): void {
    for (const session of this.sessions.values())
      session.conn?.send(JSON.stringify({ op: Op.InvalidSession, d: false }));
    this.sessions.clear();
  }

  /** Resolves with the first frame with `op` at index ≥ `from` in {@link received} — past or future. */
  waitForOp(op: number, from = 0): Promise<ReceivedFrame> {
    const hit = this.received.slice(from).find((f) => f.op === op);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve) => this.waiters.add({ op, from, resolve }));
  }

  /** The first IDENTIFY at index ≥ `from`; pass `received.length` to wait for a new one. */
  waitForIdentify(from = 0): Promise<ReceivedFrame> {
    return this.waitForOp(Op.Identify, from);
  }

  /** The first RESUME at index ≥ `from`; pass `received.length` to wait for a new one. */
  waitForResume(from = 0): Promise<ReceivedFrame> {
    return this.waitForOp(Op.Resume, from);
  }

  private accept(ws: WebSocket, query: URLSearchParams): void {
    // zlib-stream: one deflate context for the whole connection, each payload ending in a sync flush.
    const deflate =
      query.get('compress') === 'zlib-stream' ? zlib.createDeflate({ flush: zlib.constants.Z_SYNC_FLUSH }) : undefined;
    deflate?.on('data', (chunk: Buffer) => ws.readyState === WebSocket.OPEN && ws.send(chunk));
    const conn: Conn = {
      ws,
      send: (frame) => {
        if (ws.readyState !== WebSocket.OPEN) return;
        if (deflate) deflate.write(frame);
        else ws.send(frame);
      },
    };
    this.conns.add(conn);
    if (query.get('encoding') && query.get('encoding') !== 'json') {
      ws.close(4002, 'Error while decoding payload.'); // the fake speaks JSON only
      return;
    }
    ws.on('message', (data) => this.onFrame(conn, data.toString()));
    ws.on('close', (code) => {
      this.conns.delete(conn);
      deflate?.end();
      const session = conn.session;
      if (!session || session.conn !== conn) return;
      session.conn = null;
      // A client closing with 1000/1001 ends its session; any other close keeps it resumable.
      if (code === 1000 || code === 1001) this.sessions.delete(session.id);
    });
    conn.send(JSON.stringify({ op: Op.Hello, d: { heartbeat_interval: this.heartbeatIntervalMs }, s: null, t: null }));
  }

  private onFrame(conn: Conn, text: string): void {
    let frame: { op?: number; d?: unknown };
    try {
      frame = JSON.parse(text) as { op?: number; d?: unknown };
    } catch {
      conn.ws.close(4002, 'Error while decoding payload.');
      return;
    }
    const received: ReceivedFrame = { op: frame.op ?? -1, d: frame.d, at: Date.now() };
    this.received.push(received);
    const index = this.received.length - 1;
    for (const w of this.waiters) {
      if (w.op === received.op && index >= w.from) {
        this.waiters.delete(w);
        w.resolve(received);
      }
    }
    switch (received.op) {
      case Op.Heartbeat:
        if (this.ackHeartbeats) conn.send(JSON.stringify({ op: Op.HeartbeatAck, d: null }));
        return;
      case Op.Identify:
        this.identify(conn, (frame.d ?? {}) as { token?: string; intents?: number; shard?: [number, number] });
        return;
      case Op.Resume:
        this.resume(conn, (frame.d ?? {}) as { token?: string; session_id?: string; seq?: number | null });
        return;
      default:
        // Presence updates (3), member requests (8) and the like are accepted and ignored.
        if (!conn.session) conn.ws.close(4003, 'Not authenticated.');
    }
  }

  private identify(conn: Conn, d: { token?: string; intents?: number; shard?: [number, number] }): void {
    if (conn.session) return void conn.ws.close(4005, 'Already authenticated.');
    if (d.token !== this.world.token && d.token !== `Bot ${this.world.token}`)
      return void conn.ws.close(4004, 'Authentication failed.');
    const session: Session = { id: randomBytes(16).toString('hex'), intents: d.intents ?? 0, seq: 0, log: [], conn };
    this.sessions.set(session.id, session);
    conn.session = session;
    this.sendDispatch(session, 'READY', readyPayload(this.world, session.id, this.url, d.shard ?? [0, 1]));
    if (session.intents & Intent.Guilds) {
      for (const guild of this.world.guilds.values()) {
        this.sendDispatch(session, 'GUILD_CREATE', guildCreatePayload(this.world, guild, session.intents));
      }
    }
  }

  private resume(conn: Conn, d: { token?: string; session_id?: string; seq?: number | null }): void {
    if (d.token !== this.world.token && d.token !== `Bot ${this.world.token}`)
      return void conn.ws.close(4004, 'Authentication failed.');
    const session = d.session_id ? this.sessions.get(d.session_id) : undefined;
    if (!session) {
      conn.send(JSON.stringify({ op: Op.InvalidSession, d: false }));
      return;
    }
    if (session.conn && session.conn !== conn) session.conn.ws.terminate();
    session.conn = conn;
    conn.session = session;
    for (const entry of session.log) if (entry.s > (d.seq ?? 0)) conn.send(entry.frame);
    session.seq++;
    conn.send(JSON.stringify({ op: Op.Dispatch, t: 'RESUMED', s: session.seq, d: {} }));
  }

  private sendDispatch(session: Session, t: string, d: unknown): void {
    session.seq++;
    const frame = JSON.stringify({ op: Op.Dispatch, t, s: session.seq, d });
    session.log.push({ s: session.seq, frame });
    if (session.log.length > 1000) session.log.shift();
    session.conn?.send(frame);
  }

  /** Without the privileged MessageContent intent, others' messages arrive with empty content. */
  private redact(session: Session, t: string, d: unknown): unknown {
    if (session.intents & Intent.MessageContent || (t !== 'MESSAGE_CREATE' && t !== 'MESSAGE_UPDATE')) return d;
    const message = d as { author?: { id: string }; mentions?: Array<{ id: string }> };
    const botId = this.world.bot.id;
    if (message.author?.id === botId || message.mentions?.some((u) => u.id === botId)) return d;
    return { ...message, content: '', embeds: [], attachments: [], components: [] };
  }
}
