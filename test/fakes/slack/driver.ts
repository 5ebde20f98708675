/**
 * Acts as Slack towards the app under test: a person runs `/scribe`, submits the modal, presses a
 * button or reacts, and the driver delivers it the way Slack does — over HTTP, signed with the
 * signing secret (`v0=` HMAC-SHA256 of `v0:{timestamp}:{body}`), or as a Socket Mode envelope —
 * then reports the app's answer and how long it took, and applies that answer to the workspace
 * (a command's ack text becomes an ephemeral message, a modal ack closes or annotates the modal).
 */
import { createHmac } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type { ClickInput, CommandInput, Payloads, ReactInput, SubmitInput, ViewClickInput } from './payloads.ts';
import { applyCommandAck, applyViewAck } from './responses.ts';
import type { EnvelopeType, FakeSocketMode } from './socket.ts';
import type { SlackState } from './state.ts';

/** What kind of request: decides the HTTP encoding and the Socket Mode envelope type. */
export type DeliveryKind = 'command' | 'interactive' | 'event';

/** Per-request options. */
export interface DeliverOptions {
  /** HTTP: `bad` signs with a wrong secret, `missing` sends no signature headers. */
  signature?: 'bad' | 'missing';
  /** HTTP: the request timestamp in seconds (e.g. 10 minutes ago for a replay). */
  timestamp?: number;
  /** A redelivery: HTTP `x-slack-retry-num`/`-reason` headers, Socket Mode `retry_attempt`/`retry_reason`. */
  retry?: { num: number; reason: string };
  /** Give up waiting for the answer after this long (default 10 s; Slack itself gives up at 3 s). */
  timeoutMs?: number;
}

/** The app's answer. */
export interface Delivery {
  /** HTTP status; 200 for a Socket Mode ack. */
  status: number;
  headers: Record<string, string>;
  /** The raw body (Socket Mode: the ack's payload as JSON). */
  text: string;
  /** The body parsed as JSON when it is JSON, else the text; undefined when empty. */
  body: unknown;
  /** Time to the answer (the ack), in ms. */
  ms: number;
}

/** How deliveries reach the app. */
export interface Transport {
  deliver(kind: DeliveryKind, payload: Record<string, unknown>, options: DeliverOptions): Promise<Delivery>;
}

/** The `x-slack-signature` for a body, as Slack computes it. */
export function slackSignature(signingSecret: string, timestamp: number, body: string): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
}

function parseBody(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

/** One signed request as sent, and its answer timed from sending to the last byte. */
export type TimedPost = (
  url: string,
  init: { headers: Record<string, string>; body: string; timeoutMs: number },
) => Promise<{ status: number; headers: Record<string, string>; text: string; ms: number }>;

/** `fetch` on this thread's event loop: the answer is timed when this loop reads it. */
export const fetchTimed: TimedPost = async (url, { headers, body, timeoutMs }) => {
  const started = performance.now();
  const response = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
  const text = await response.text();
  return {
    status: response.status,
    headers: Object.fromEntries(response.headers),
    text,
    ms: performance.now() - started,
  };
};

/** Delivers over HTTP to the app's events URL (e.g. `http://127.0.0.1:3000/slack/events`). */
export class HttpTransport implements Transport {
  private readonly url: string;
  private readonly signingSecret: string;
  private readonly send: TimedPost;

  /** `send`: how a signed request goes out and is timed (default `fetchTimed`; a benchmark may time on a thread of its own). */
  constructor(options: { url: string; signingSecret: string; send?: TimedPost | undefined }) {
    this.url = options.url;
    this.signingSecret = options.signingSecret;
    this.send = options.send ?? fetchTimed;
  }

  async deliver(kind: DeliveryKind, payload: Record<string, unknown>, options: DeliverOptions): Promise<Delivery> {
    // Bolt compares the content type exactly: Slack sends no charset, and neither may we.
    const [body, contentType] =
      kind === 'command'
        ? [new URLSearchParams(payload as Record<string, string>).toString(), 'application/x-www-form-urlencoded']
        : kind === 'interactive'
          ? [new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), 'application/x-www-form-urlencoded']
          : [JSON.stringify(payload), 'application/json'];
    return this.post(body, contentType, options);
  }

  /** Posts a raw body, signed (or not) as `options` say. */
  async post(body: string, contentType: string, options: DeliverOptions = {}): Promise<Delivery> {
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
    const headers: Record<string, string> = {
      'content-type': contentType,
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
    };
    if (options.signature !== 'missing') {
      headers['x-slack-request-timestamp'] = String(timestamp);
      headers['x-slack-signature'] = slackSignature(
        options.signature === 'bad' ? `${this.signingSecret}-wrong` : this.signingSecret,
        timestamp,
        body,
      );
    }
    if (options.retry) {
      headers['x-slack-retry-num'] = String(options.retry.num);
      headers['x-slack-retry-reason'] = options.retry.reason;
    }
    const answer = await this.send(this.url, { headers, body, timeoutMs: options.timeoutMs ?? 10_000 });
    return { ...answer, body: parseBody(answer.text) };
  }
}

const ENVELOPES: Record<DeliveryKind, EnvelopeType> = {
  command: 'slash_commands',
  interactive: 'interactive',
  event: 'events_api',
};

/** Delivers as Socket Mode envelopes over the fake's WebSocket; the ack is the answer. */
export class SocketTransport implements Transport {
  private readonly socket: FakeSocketMode;

  constructor(socket: FakeSocketMode) {
    this.socket = socket;
  }

  async deliver(kind: DeliveryKind, payload: Record<string, unknown>, options: DeliverOptions): Promise<Delivery> {
    const started = performance.now();
    const envelopeId = this.socket.send(ENVELOPES[kind], payload, {
      acceptsResponsePayload: kind !== 'event',
      ...(options.retry ? { retryAttempt: options.retry.num, retryReason: options.retry.reason } : {}),
    });
    const ack = await this.socket.waitForAck(envelopeId, options.timeoutMs ?? 10_000);
    const empty =
      ack.payload === undefined ||
      (typeof ack.payload === 'object' && ack.payload !== null && Object.keys(ack.payload).length === 0);
    return {
      status: 200,
      headers: {},
      text: empty ? '' : JSON.stringify(ack.payload),
      body: empty ? undefined : ack.payload,
      ms: performance.now() - started,
    };
  }
}

/** People acting in the workspace, delivered through one transport. */
export class SlackDriver {
  readonly transport: Transport;
  private readonly state: SlackState;
  /** Builds what Slack would send, for a test to alter before `send` (a forged or unusual payload). */
  readonly payloads: Payloads;

  constructor(state: SlackState, payloads: Payloads, transport: Transport) {
    this.state = state;
    this.payloads = payloads;
    this.transport = transport;
  }

  /** Runs a slash command; the ack's text (if any) is shown to the person ephemerally. */
  async slashCommand(
    input: CommandInput = {},
    options: DeliverOptions = {},
  ): Promise<Delivery & { triggerId: string; responseUrl: string; payload: Record<string, string> }> {
    const { fields, triggerId, responseUrl } = this.payloads.slashCommand(input);
    const delivery = await this.transport.deliver('command', fields, options);
    if (delivery.status === 200)
      applyCommandAck(
        this.state,
        { channel: fields.channel_id as string, user: fields.user_id as string },
        delivery.body,
      );
    return { ...delivery, triggerId, responseUrl, payload: fields };
  }

  /** Submits a modal; the ack decides whether it closes, shows errors, or changes. */
  async submitView(
    input: SubmitInput,
    options: DeliverOptions = {},
  ): Promise<Delivery & { viewId: string; payload: Record<string, unknown> }> {
    const { payload, viewId } = this.payloads.viewSubmission(input);
    const delivery = await this.transport.deliver('interactive', payload, options);
    if (delivery.status === 200) applyViewAck(this.state, viewId, delivery.body);
    return { ...delivery, viewId, payload };
  }

  /** Presses a button on a message. */
  async clickButton(
    input: ClickInput,
    options: DeliverOptions = {},
  ): Promise<Delivery & { triggerId: string; responseUrl: string; payload: Record<string, unknown> }> {
    const { payload, triggerId, responseUrl } = this.payloads.blockActions(input);
    return { ...(await this.transport.deliver('interactive', payload, options)), triggerId, responseUrl, payload };
  }

  /** Presses a button inside an open modal (the app answers with `views.update`, not in the ack). */
  async clickViewButton(
    input: ViewClickInput,
    options: DeliverOptions = {},
  ): Promise<Delivery & { triggerId: string; viewId: string; payload: Record<string, unknown> }> {
    const { payload, triggerId, viewId } = this.payloads.viewBlockActions(input);
    return { ...(await this.transport.deliver('interactive', payload, options)), triggerId, viewId, payload };
  }

  /** Reacts to a message (`reaction_added`); pass `eventId` and `options.retry` to redeliver. */
  async react(
    input: ReactInput,
    options: DeliverOptions = {},
  ): Promise<Delivery & { eventId: string; payload: Record<string, unknown> }> {
    const { payload, eventId } = this.payloads.reactionAdded(input);
    return { ...(await this.transport.deliver('event', payload, options)), eventId, payload };
  }

  /** Opens the app's Home tab (`app_home_opened`); the app answers with `views.publish`. */
  async openHome(
    input: { user?: string; tab?: 'home' | 'messages' } = {},
    options: DeliverOptions = {},
  ): Promise<Delivery & { eventId: string }> {
    const { payload, eventId } = this.payloads.appHomeOpened(input);
    return { ...(await this.transport.deliver('event', payload, options)), eventId };
  }

  /** Opens the app's agent view (`assistant_thread_started`): a new thread in the person's DM with the app. */
  async startAgentThread(
    input: { user?: string; contextChannel?: string } = {},
    options: DeliverOptions = {},
  ): Promise<Delivery & { eventId: string; channel: string; threadTs: string }> {
    const { payload, ...made } = this.payloads.assistantThreadStarted(input);
    return { ...(await this.transport.deliver('event', payload, options)), ...made };
  }

  /** Writes in the DM with the app (`message.im`), in the agent thread `threadTs` when given. */
  async sendDm(
    input: { user?: string; text: string; threadTs?: string },
    options: DeliverOptions = {},
  ): Promise<Delivery & { eventId: string; channel: string; ts: string }> {
    const { payload, ...made } = this.payloads.dmMessage(input);
    return { ...(await this.transport.deliver('event', payload, options)), ...made };
  }

  /** Delivers any payload as it is (an event_callback to replay, a hand-made interaction). */
  send(kind: DeliveryKind, payload: Record<string, unknown>, options: DeliverOptions = {}): Promise<Delivery> {
    return this.transport.deliver(kind, payload, options);
  }

  /** Slack's check of a new Request URL (HTTP only): the app must echo `challenge`. */
  urlVerification(
    challenge = 'fake-challenge-3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P',
    options: DeliverOptions = {},
  ): Promise<Delivery> {
    return this.transport.deliver(
      'event',
      { token: 'fakeVerificationToken0001', challenge, type: 'url_verification' },
      options,
    );
  }
}
