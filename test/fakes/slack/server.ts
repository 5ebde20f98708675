/**
 * A local Slack for tests: the Web API (`apiUrl`, for the WebClient's `slackApiUrl` and
 * `SLACK_API_URL`), response URLs, Socket Mode (found through `apps.connections.open`), one
 * workspace behind them, drivers that act as people do, and views of what people see.
 *
 * @example
 * const fake = await startFakeSlack();
 * const app = new App({ token: fake.botToken, signingSecret: fake.signingSecret, clientOptions: { slackApiUrl: fake.apiUrl } });
 * const server = await app.start(0);
 * const slack = fake.httpDriver({ url: `http://127.0.0.1:${port}/slack/events` });
 * const ack = await slack.slashCommand({ text: '' }); // { status: 200, ms, triggerId, … }
 * fake.messagesIn('C0GENERAL');                        // what people in #general see
 */
import { chatMethods } from './api-chat.ts';
import { miscMethods } from './api-misc.ts';
import { filesMethods } from './api-files.ts';
import { streamMethods } from './api-stream.ts';
import { HttpTransport, SlackDriver, SocketTransport, type TimedPost } from './driver.ts';
import { visibleText } from './format.ts';
import { SlackHttpServer, type RecordedCall, type ResponseUrlPost, type SlackFault } from './http.ts';
import { Payloads } from './payloads.ts';
import { handleResponseUrl } from './responses.ts';
import { FakeSocketMode, type SocketModeOptions } from './socket.ts';
import {
  SlackState,
  type EphemeralMessage,
  type MessageMetadata,
  type MessageVersion,
  type StoredMessage,
  type StoredView,
  type WorkspaceOptions,
} from './state.ts';

/** Everything configurable at start. */
export interface FakeSlackOptions extends WorkspaceOptions, SocketModeOptions {
  /** The bot token the Web API accepts (default `xoxb-fake-…`). */
  botToken?: string;
  /** The app-level token `apps.connections.open` accepts (default `xapp-1-…`). */
  appToken?: string;
  /** The secret the HTTP driver signs with. */
  signingSecret?: string;
  /** Latency added to every Web API call, in ms. */
  latencyMs?: number;
}

/** A message as a person sees it in a channel or thread (the latest edit). */
export interface SeenMessage {
  ts: string;
  threadTs?: string;
  user: string;
  fromBot: boolean;
  /** A message streamed with chat.startStream (the plan of task cards, the email as it is written). */
  streamed: boolean;
  /** Still streaming: not yet stopped with chat.stopStream (chat.update is refused meanwhile). */
  streaming: boolean;
  /**
   * The markdown streamed into it (`markdown_text`), while people see it: undefined for a message
   * never streamed, or once chat.update replaced the finished stream.
   */
  markdown?: string;
  /** For a streamed message, its markdown. */
  text: string;
  blocks?: unknown[];
  /** What the blocks read as (see `visibleText`), or `text` without blocks; a stream's markdown comes first. */
  visible: string;
  metadata?: MessageMetadata;
  edited: boolean;
  reactions: Array<{ name: string; users: string[] }>;
  /** Every version, first post first: how an edited progress message went. */
  versions: MessageVersion[];
  /** Files shared with the message (an upload completed into the channel or thread), with their bytes. */
  files?: Array<{ id: string; name: string; title: string; content: Buffer }>;
}

/** A running fake Slack. Close it in `afterAll` (after stopping the app). */
export class FakeSlack {
  readonly state: SlackState;
  readonly socket: FakeSocketMode;
  readonly http: SlackHttpServer;
  readonly botToken: string;
  readonly appToken: string;
  readonly signingSecret: string;

  constructor(options: FakeSlackOptions = {}) {
    this.state = new SlackState(options);
    this.botToken = options.botToken ?? 'xoxb-1000000001-2000000002-fakeBotTokenForTests';
    this.appToken = options.appToken ?? 'xapp-1-A0SCRIBEAPP-3000000003-fakeappleveltokenfortests';
    this.signingSecret = options.signingSecret ?? 'fake-signing-secret-8f14e45fceea167a5a36dedd4bea2543';
    this.socket = new FakeSocketMode(this.state.bot.appId, options);
    this.http = new SlackHttpServer({
      state: this.state,
      socket: this.socket,
      methods: { ...chatMethods, ...miscMethods, ...filesMethods, ...streamMethods },
      botToken: this.botToken,
      appToken: this.appToken,
      handleResponseUrl: (path, body) => handleResponseUrl(this.state, path, body),
    });
    this.http.latencyMs = options.latencyMs ?? 0;
  }

  /** `http://127.0.0.1:PORT/api/`: the WebClient's `slackApiUrl`, `SLACK_API_URL`. */
  get apiUrl(): string {
    return `${this.http.baseUrl}/api/`;
  }

  /** Every Web API call, in arrival order. */
  get calls(): RecordedCall[] {
    return this.http.calls;
  }

  /** Every post to a response URL. */
  get responseUrlPosts(): ResponseUrlPost[] {
    return this.http.responseUrlPosts;
  }

  /** Calls of one method (successful or not). */
  callsTo(method: string): RecordedCall[] {
    return this.http.calls.filter((c) => c.method === method);
  }

  /** Scripts failures: `fake.inject({ method: 'chat.update', retryAfter: 1 })`. */
  inject(fault: SlackFault): void {
    this.http.inject(fault);
  }

  /** Latency for every call, or for one method on top of that. */
  setLatency(ms: number, method?: string): void {
    if (method) this.http.methodLatencyMs.set(method, ms);
    else this.http.latencyMs = ms;
  }

  /** Puts the bot in or out of a channel (out: posts fail with `not_in_channel`, unless `chat:write.public` allows them). */
  setMember(channel: string, member: boolean): void {
    this.state.ensureChannel(channel, { member });
  }

  /** A thread as people see it (parent first), or a channel's top-level messages. */
  messagesIn(channel: string, threadTs?: string): SeenMessage[] {
    return this.state.list(channel, threadTs).map((m) => this.seen(m));
  }

  /**
   * The plan of task cards in a thread: the last message streamed there (with the email as it was
   * written into it), as people see it; undefined when nothing was streamed.
   */
  planMessage(channel: string, threadTs: string): SeenMessage | undefined {
    return this.messagesIn(channel, threadTs).findLast((m) => m.streamed);
  }

  private seen(m: StoredMessage): SeenMessage {
    const markdown = m.stream && m.stream.replacedAt === undefined ? m.text : undefined;
    const blocksText = m.blocks?.length ? visibleText(m.blocks) : '';
    return {
      ts: m.ts,
      ...(m.threadTs !== undefined ? { threadTs: m.threadTs } : {}),
      user: m.user,
      fromBot: m.botId !== undefined,
      streamed: m.stream !== undefined,
      streaming: m.stream?.state === 'streaming',
      ...(markdown !== undefined ? { markdown } : {}),
      text: m.text,
      ...(m.blocks ? { blocks: m.blocks } : {}),
      visible:
        markdown !== undefined ? [markdown, blocksText].filter(Boolean).join('\n') : visibleText(m.blocks, m.text),
      ...(m.metadata ? { metadata: m.metadata } : {}),
      edited: m.edited !== undefined,
      reactions: m.reactions,
      versions: m.versions,
      ...(m.files
        ? {
            files: m.files.map((f) => ({
              id: f.id,
              name: f.name,
              title: f.title,
              content: f.content ?? Buffer.alloc(0),
            })),
          }
        : {}),
    };
  }

  /** The DM channel id between the bot and `user`, once opened. */
  dmChannel(user: string): string | undefined {
    return [...this.state.channels.values()].find((c) => c.isIm && c.imUser === user)?.id;
  }

  /** What only `user` saw (ephemeral messages, command acks, response URL replies). */
  ephemeralsFor(user: string, channel?: string): EphemeralMessage[] {
    return this.state.ephemerals.filter((e) => e.user === user && (channel === undefined || e.channel === channel));
  }

  /** Modals, newest last; `open` ones only unless `all`. */
  views(user?: string, all = false): StoredView[] {
    return [...this.state.views.values()].filter(
      (v) => v.view.type !== 'home' && (user === undefined || v.user === user) && (all || v.state === 'open'),
    );
  }

  /** The Home tab published for `user` (`views.publish`), if any. */
  home(user: string): StoredView | undefined {
    return [...this.state.views.values()].find((v) => v.user === user && v.view.type === 'home');
  }

  /**
   * Waits until `check` returns something truthy, re-checking after every change in the fake
   * (a call, a post, an ack): no sleeping, and a clear error naming `what` on timeout.
   */
  until<T>(check: () => T | undefined | null | false, what = 'a condition', timeoutMs = 5000): Promise<T> {
    return new Promise((resolve, reject) => {
      const test = (): void => {
        const value = check();
        if (!value) return;
        cleanup();
        resolve(value);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`fake Slack: timed out after ${timeoutMs} ms waiting for ${what}`));
      }, timeoutMs);
      const cleanup = (): void => {
        clearTimeout(timer);
        this.state.off('change', test);
        this.socket.off('ack', test);
      };
      this.state.on('change', test);
      this.socket.on('ack', test);
      test();
    });
  }

  /** The `n`th call (1-based, default the first) of `method`, waiting for it. */
  waitForCall(method: string, n = 1, timeoutMs = 5000): Promise<RecordedCall> {
    return this.until(() => this.callsTo(method)[n - 1], `call #${n} of ${method}`, timeoutMs);
  }

  /** A driver delivering over HTTP to the app's events URL, signed with `signingSecret`, sent by `send` (default `fetch`). */
  httpDriver(options: { url: string; signingSecret?: string; send?: TimedPost }): SlackDriver {
    const transport = new HttpTransport({
      url: options.url,
      signingSecret: options.signingSecret ?? this.signingSecret,
      send: options.send,
    });
    return new SlackDriver(this.state, new Payloads(this.state, this.http.baseUrl), transport);
  }

  /** A driver delivering Socket Mode envelopes to the connected app. */
  socketDriver(): SlackDriver {
    return new SlackDriver(this.state, new Payloads(this.state, this.http.baseUrl), new SocketTransport(this.socket));
  }

  async start(): Promise<void> {
    await this.http.start();
  }

  /** Drops Socket Mode connections and stops the server. */
  async close(): Promise<void> {
    await this.socket.close();
    await this.http.close();
  }
}

/** Starts a fake Slack on 127.0.0.1 (a free port). */
export async function startFakeSlack(options: FakeSlackOptions = {}): Promise<FakeSlack> {
  const fake = new FakeSlack(options);
  await fake.start();
  return fake;
}
