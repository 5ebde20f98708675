/**
 * The Slack bot: a Bolt `App` that validates, records and enqueues; it never runs the pipeline.
 *
 * Two transports, one set of handlers:
 * - HTTP (Events API, slash commands and interactivity posted to one Request URL): Bolt's
 *   `HTTPReceiver` is mounted on Scribe's own HTTP server at `POST /slack/events` and never opens a
 *   port. The route reads the body (4 MB at most: 413), checks Slack's signature (verify.ts: 401
 *   for a bad one, or a timestamp more than 5 minutes off) and hands Bolt the body it read.
 * - Socket Mode when `SLACK_APP_TOKEN` is set: Bolt asks `apps.connections.open` for a WebSocket
 *   and receives the same payloads over it; no public URL needed.
 *
 * Bolt is built with `deferInitialization` and `init()` is awaited, so a bad token fails the start
 * with its reason (auth.test) instead of an unhandled rejection later.
 */
import type http from 'node:http';
import { App, HTTPReceiver } from '@slack/bolt';
import type { SlackConfig } from '../../config.ts';
import { ErrorCode, PermanentError } from '../../errors.ts';
import { BodyTooLarge, readBody, sendJson, type HttpServer } from '../../http/server.ts';
import { createRecentKeys } from '../../requests/recent-keys.ts';
import { warmRequests } from '../../requests/warm.ts';
import { connectionAccepted } from '../shared/ack-first.ts';
import { requestDeps, type BotOptions } from '../shared/deps.ts';
import { boltLogger, slackClientOptions, toScribeError, type RetryOptions } from './client.ts';
import { postToResponseUrl, type SlackBotDeps } from './deps.ts';
import { warmSlackHandlers } from './handlers.ts';
import { registerSlackHandlers } from './register.ts';
import { slackRequestVerifier } from './verify.ts';

/** Where Slack posts over HTTP (the manifest's Request URLs). */
export const SLACK_EVENTS_PATH = '/slack/events';
/** How long an event id is remembered: Slack's last redelivery comes about 5 minutes after the first. */
const EVENT_ID_MEMORY_MS = 15 * 60_000;

/** What `startSlackBot` needs; composition roots pass `config.slack` and the shared pool, queue and HTTP server. */
export interface StartSlackBotOptions extends BotOptions {
  config: SlackConfig;
  /** Scribe's HTTP server: required over HTTP (no `appToken`), unused in Socket Mode. */
  http?: HttpServer | undefined;
  /** The Web API retry policy; default `SLACK_RETRY` (tests pass a short one). */
  retryConfig?: RetryOptions;
}

/** A running Slack bot. */
export interface SlackBot {
  app: App;
  mode: 'http' | 'socket';
  /** Stops taking requests (HTTP: answers 503; Socket Mode: disconnects) and waits for handlers in flight. */
  stop(): Promise<void>;
}

/** Starts the Slack bot over HTTP (on `options.http`) or Socket Mode (when `config.appToken` is set). */
export async function startSlackBot(options: StartSlackBotOptions): Promise<SlackBot> {
  const { config } = options;
  const logger = options.logger.child({ platform: 'slack' });
  const mode = config.appToken ? 'socket' : 'http';
  /** Over HTTP: Bolt's receiver, and the signature check the route runs before it. */
  let overHttp: { receiver: HTTPReceiver; verify: ReturnType<typeof slackRequestVerifier> } | undefined;
  if (mode === 'http') {
    if (!config.signingSecret) {
      throw new PermanentError(
        ErrorCode.NotConfigured,
        'Slack over HTTP needs SLACK_SIGNING_SECRET (or set SLACK_APP_TOKEN for Socket Mode)',
      );
    }
    if (!options.http)
      throw new PermanentError(ErrorCode.Internal, 'Slack over HTTP needs the HTTP server to mount /slack/events on');
    overHttp = {
      receiver: new HTTPReceiver({
        signingSecret: config.signingSecret,
        // Checked in the route below, once and cheaper (verify.ts); Bolt reads the body it leaves.
        signatureVerification: false,
        endpoints: SLACK_EVENTS_PATH,
        logger: boltLogger(logger, 'bolt-http'),
      }),
      verify: slackRequestVerifier(config.signingSecret),
    };
  }
  const app = new App({
    token: config.botToken,
    logger: boltLogger(logger, 'bolt'),
    deferInitialization: true,
    // Nothing reads a conversation's stored context: no store lookup before every listener.
    convoStore: false,
    // An explicit, bounded retryConfig: Socket Mode would otherwise write { retries: 100 } into these.
    clientOptions: slackClientOptions(config, {
      logger,
      ...(options.retryConfig ? { retryConfig: options.retryConfig } : {}),
    }),
    ...(overHttp ? { receiver: overHttp.receiver } : { socketMode: true, appToken: config.appToken }),
  });
  const deps: SlackBotDeps = {
    ...requestDeps(options, logger),
    client: app.client,
    recentEvents: createRecentKeys(EVENT_ID_MEMORY_MS),
    respond: postToResponseUrl,
  };
  const handlers = registerSlackHandlers(app, deps, options.onOutcome);
  app.error(async (err) => {
    logger.error({ err }, 'slack app error');
  });

  await app.init().catch((err: unknown) => {
    throw toScribeError(err, 'checking SLACK_BOT_TOKEN (auth.test)');
  });
  // Before the first request: the pool's connections open, the form's code compiled.
  await warmRequests(deps, 'slack', warmSlackHandlers);
  let stopped = false;
  if (overHttp && options.http) {
    const { verify } = overHttp;
    const listener = overHttp.receiver.requestListener;
    // Slack's requests come on new connections too, accepted one per turn of the loop (ack-first.ts).
    options.http.server.on('connection', connectionAccepted);
    options.http.route({
      method: 'POST',
      path: SLACK_EVENTS_PATH,
      handler: async (req: http.IncomingMessage, res: http.ServerResponse) => {
        // Slack retries what it could not deliver; another process (or this one, restarted) takes it.
        if (stopped) return sendJson(res, 503, { error: 'shutting down' });
        let body: Buffer;
        try {
          body = await readBody(req);
        } catch (err) {
          if (err instanceof BodyTooLarge) {
            res.setHeader('connection', 'close');
            return sendJson(res, 413, { error: err.message });
          }
          logger.debug({ err }, 'slack request not read');
          return void res.destroy();
        }
        const verdict = verify(req.headers, body);
        if (!verdict.ok) {
          logger.warn({ reason: verdict.reason }, 'slack request refused: not signed by Slack');
          return sendJson(res, 401, { error: 'invalid signature' });
        }
        // Bolt reads a body already read from here (HTTPModuleFunctions.bufferIncomingMessage).
        Object.assign(req, { rawBody: verdict.body });
        listener(req, res);
      },
    });
  } else {
    await app.start().catch((err: unknown) => {
      throw toScribeError(err, 'opening a Socket Mode connection with SLACK_APP_TOKEN');
    });
  }
  logger.info({ mode }, 'slack bot started');
  return {
    app,
    mode,
    async stop() {
      if (stopped) return;
      stopped = true;
      options.http?.server.off('connection', connectionAccepted);
      if (mode === 'socket') await app.stop();
      await handlers.drain();
    },
  };
}
