/**
 * Socket Mode: the WebSocket end that `apps.connections.open` points at. A connection needs an
 * unused ticket from that call; the fake then says `hello`, sends envelopes
 * (`slash_commands`, `interactive`, `events_api`) to the most recent open connection and records
 * the app's acknowledgements `{ envelope_id, payload? }`.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { randomUUID } from 'node:crypto';

/** Envelope types Slack sends over Socket Mode. */
export type EnvelopeType = 'slash_commands' | 'interactive' | 'events_api';

/** An acknowledgement the app sent. */
export interface SocketAck {
  envelopeId: string;
  type: EnvelopeType;
  /** What the app put in `payload` (a modal's `response_action`, a command's reply); `{}` when empty. */
  payload?: unknown;
  at: number;
  /** Time from sending the envelope to receiving its ack. */
  ms: number;
}

/** Envelope fields besides the payload. */
export interface EnvelopeOptions {
  acceptsResponsePayload?: boolean;
  /** For events_api: a redelivery (Slack's retry). */
  retryAttempt?: number;
  retryReason?: string;
  /** Reuse an envelope id (defaults to a fresh UUID). */
  envelopeId?: string;
}

/** Socket Mode options. */
export interface SocketModeOptions {
  /** Ping the app every this many ms (Slack does; the client then expects them). Default: off. */
  pingIntervalMs?: number;
}

/** The fake's Socket Mode server, attached to its HTTP server's upgrade path `/link/`. */
export class FakeSocketMode extends EventEmitter {
  /** Every ack, in arrival order. */
  readonly acks: SocketAck[] = [];
  /** Every envelope sent. */
  readonly sent: Array<{ type: EnvelopeType; envelopeId: string; envelope: Record<string, unknown>; at: number }> = [];
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Set<string>();
  private readonly sockets: WebSocket[] = [];
  private readonly appId: string;
  private readonly pingIntervalMs: number;

  constructor(appId: string, options: SocketModeOptions = {}) {
    super();
    this.setMaxListeners(0);
    this.appId = appId;
    this.pingIntervalMs = options.pingIntervalMs ?? 0;
  }

  /** A fresh single-use ticket for the WebSocket URL. */
  newTicket(): string {
    const ticket = randomUUID();
    this.tickets.add(ticket);
    return ticket;
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.sockets.length;
  }

  /** Takes an HTTP upgrade for `/link/?ticket=…`; refuses unknown or used tickets with 401. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const ticket = url.searchParams.get('ticket') ?? '';
    if (url.pathname !== '/link/' || !this.tickets.delete(ticket)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws));
  }

  private accept(ws: WebSocket): void {
    this.sockets.push(ws);
    const timer = this.pingIntervalMs > 0 ? setInterval(() => ws.ping(), this.pingIntervalMs) : undefined;
    ws.on('message', (data, isBinary) => {
      if (!isBinary) this.onMessage(data.toString());
    });
    ws.on('close', () => {
      clearInterval(timer);
      this.sockets.splice(this.sockets.indexOf(ws), 1);
      this.emit('disconnection');
    });
    ws.send(
      JSON.stringify({
        type: 'hello',
        num_connections: this.sockets.length,
        debug_info: { host: 'applink-fake-1', build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.appId },
      }),
    );
    this.emit('connection');
  }

  private onMessage(text: string): void {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return;
    }
    if (typeof message !== 'object' || message === null || !('envelope_id' in message)) return;
    const envelopeId = String(message.envelope_id);
    const sent = this.sent.find((s) => s.envelopeId === envelopeId);
    const at = Date.now();
    const ack: SocketAck = {
      envelopeId,
      type: sent?.type ?? 'events_api',
      at,
      ms: sent ? at - sent.at : 0,
      ...('payload' in message ? { payload: message.payload } : {}),
    };
    this.acks.push(ack);
    this.emit('ack', ack);
  }

  /** Resolves once a connection is open (at once if one is). */
  async waitForConnection(timeoutMs = 5000): Promise<void> {
    if (this.sockets.length > 0) return;
    await this.waitFor('connection', () => this.sockets.length > 0, timeoutMs, 'no Socket Mode connection');
  }

  /** Sends an envelope to the newest connection; returns its envelope id. */
  send(type: EnvelopeType, payload: Record<string, unknown>, options: EnvelopeOptions = {}): string {
    const ws = this.sockets.at(-1);
    if (!ws) throw new Error('fake Slack: no Socket Mode connection to send to');
    const envelopeId = options.envelopeId ?? randomUUID();
    const envelope: Record<string, unknown> = {
      envelope_id: envelopeId,
      type,
      payload,
      accepts_response_payload: options.acceptsResponsePayload ?? type !== 'events_api',
      ...(type === 'events_api'
        ? { retry_attempt: options.retryAttempt ?? 0, retry_reason: options.retryReason ?? '' }
        : {}),
    };
    this.sent.push({ type, envelopeId, envelope, at: Date.now() });
    ws.send(JSON.stringify(envelope));
    return envelopeId;
  }

  /** The ack of an envelope, waiting up to `timeoutMs` (Slack's own limit is 3 s). */
  async waitForAck(envelopeId: string, timeoutMs = 3000): Promise<SocketAck> {
    const find = (): SocketAck | undefined => this.acks.find((a) => a.envelopeId === envelopeId);
    await this.waitFor(
      'ack',
      () => find() !== undefined,
      timeoutMs,
      `no ack for envelope ${envelopeId} within ${timeoutMs} ms`,
    );
    return find() as SocketAck;
  }

  /** Tells every connection to reconnect, as Slack does when it recycles a server. */
  disconnectAll(reason = 'refresh_requested'): void {
    for (const ws of this.sockets)
      ws.send(JSON.stringify({ type: 'disconnect', reason, debug_info: { host: 'applink-fake-1' } }));
  }

  /**
   * Closes every connection with a close handshake (terminating any that do not finish within
   * `graceMs`) and stops accepting new ones. A client still running would reconnect: stop the app
   * first. (Cutting the TCP connection instead makes the SocketModeClient log a WebSocket error.)
   */
  async close(graceMs = 1000): Promise<void> {
    await Promise.all(
      [...this.sockets].map(
        (ws) =>
          new Promise<void>((resolve) => {
            const timer = setTimeout(() => ws.terminate(), graceMs);
            ws.once('close', () => {
              clearTimeout(timer);
              resolve();
            });
            ws.close(1001, 'server shutting down');
          }),
      ),
    );
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private waitFor(event: string, done: () => boolean, timeoutMs: number, message: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!done()) return;
        cleanup();
        resolve();
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`fake Slack: ${message}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.off(event, check);
      };
      this.on(event, check);
      check();
    });
  }
}
