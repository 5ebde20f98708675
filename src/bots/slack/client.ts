/**
 * The Slack Web API client and Slack's failures in Scribe's vocabulary.
 *
 * Every WebClient Scribe makes (the worker's reporter, Bolt's own through `clientOptions`) gets a
 * bounded retry policy: the library default retries for about 30 minutes, and Socket Mode quietly
 * writes `{ retries: 100 }` into options that have none. A 429 makes the WebClient pause all its
 * calls for Retry-After seconds and then retry (each wait uses up one retry).
 */
import { format } from 'node:util';
// The Web API package itself, not `@slack/bolt`'s re-export: importing Bolt loads its receivers
// (Express, Socket Mode, OAuth: ~17 MB) into a worker that only calls the Web API. Bolt uses this
// same package (one copy in node_modules), so its errors are these classes.
import * as webApi from '@slack/web-api';
import type { SlackConfig } from '../../config.ts';
import { ErrorCode, PermanentError, RetryableError, type ScribeError } from '../../errors.ts';
import type { Logger } from '../../log.ts';

/** The Web API client. */
export type WebClient = InstanceType<typeof webApi.WebClient>;
/** The WebClient's retry policy (node-retry options). */
export type RetryOptions = NonNullable<webApi.WebClientOptions['retryConfig']>;

/** Production policy: 4 tries over about 7 s (plus any Retry-After waits), then the caller decides. */
export const SLACK_RETRY = {
  retries: 3,
  factor: 2,
  minTimeout: 1_000,
  maxTimeout: 4_000,
  randomize: true,
} as const satisfies RetryOptions;

/** Per request; the WebClient's default is no timeout at all. */
export const SLACK_REQUEST_TIMEOUT_MS = 15_000;

/** How Scribe's WebClients log and retry. */
export interface SlackClientOptions {
  logger: Logger;
  retryConfig?: RetryOptions;
}

/** The options Scribe gives every WebClient (also Bolt's `clientOptions`). No `headers`: Socket Mode reuses these. */
export function slackClientOptions(
  config: Pick<SlackConfig, 'apiUrl'>,
  options: SlackClientOptions,
): webApi.WebClientOptions {
  return {
    slackApiUrl: config.apiUrl,
    retryConfig: { ...(options.retryConfig ?? SLACK_RETRY) },
    timeout: SLACK_REQUEST_TIMEOUT_MS,
    logger: boltLogger(options.logger),
  };
}

/** A WebClient for the bot token at `config.apiUrl`; composition roots call this for the worker. */
export function createSlackClient(
  config: Pick<SlackConfig, 'botToken' | 'apiUrl'>,
  options: SlackClientOptions,
): WebClient {
  return new webApi.WebClient(config.botToken, slackClientOptions(config, options));
}

/** Slack's logger interface over pino, so Bolt, the WebClient and Socket Mode log as Scribe does. */
export function boltLogger(logger: Logger, component = 'slack-sdk'): webApi.Logger {
  const child = logger.child({ component });
  // Loggers from the Slack SDKs take printf-style arguments; pino takes an object and a message.
  // Formatted only when the level is on: the SDKs log at debug on every call and event. (The
  // WebClient's own JSON.stringify of each request and response body, ~0.1 ms for a modal, runs
  // before it calls us, in its template strings: that cannot be skipped from here.)
  const write =
    (level: 'debug' | 'warn' | 'error') =>
    (...msg: unknown[]) => {
      if (child.isLevelEnabled(level)) child[level](format(...msg));
    };
  return {
    debug: write('debug'),
    // The SDKs' "info" is chatty (every reconnect, every rate-limit wait): debug for us.
    info: write('debug'),
    warn: write('warn'),
    error: write('error'),
    // LOG_LEVEL decides, not the SDKs.
    setLevel() {},
    getLevel: () =>
      child.isLevelEnabled('debug')
        ? webApi.LogLevel.DEBUG
        : child.isLevelEnabled('info')
          ? webApi.LogLevel.INFO
          : child.isLevelEnabled('warn')
            ? webApi.LogLevel.WARN
            : webApi.LogLevel.ERROR,
    setName() {},
  };
}

/** Slack's error code of a failed Web API call (`not_in_channel`), or undefined for other failures. */
export function slackErrorCode(err: unknown): string | undefined {
  if (err instanceof webApi.WebAPIPlatformError) return err.data.error;
  return undefined;
}

/** Codes that mean the bot cannot post where it was asked to. */
export const CANNOT_POST_CODES = new Set([
  'not_in_channel',
  'channel_not_found',
  'is_archived',
  'restricted_action',
  'cannot_dm_bot',
]);

/** Codes that mean the message is gone or is not ours to edit. */
export const MESSAGE_GONE = new Set(['message_not_found', 'cant_update_message', 'cant_delete_message']);

const BAD_CREDENTIALS = new Set([
  'invalid_auth',
  'not_authed',
  'account_inactive',
  'token_revoked',
  'token_expired',
  'missing_scope',
  'not_allowed_token_type',
]);

/** A Slack failure as a ScribeError: 429, 5xx and network trouble may pass later; the rest will not. */
export function toScribeError(err: unknown, doing: string): ScribeError {
  const details = { service: 'Slack', cause: err };
  const code = slackErrorCode(err);
  if (code !== undefined) {
    if (code === 'ratelimited')
      return new RetryableError(ErrorCode.RateLimited, `Slack is rate limiting Scribe while ${doing}`, details);
    if (
      code === 'internal_error' ||
      code === 'fatal_error' ||
      code === 'service_unavailable' ||
      code === 'request_timeout'
    ) {
      return new RetryableError(
        ErrorCode.ServiceUnavailable,
        `Slack is having trouble (${code}) while ${doing}`,
        details,
      );
    }
    if (CANNOT_POST_CODES.has(code)) {
      return new PermanentError(
        ErrorCode.NotAllowed,
        `Slack refused ${doing}: Scribe is not in this channel (or it was archived). Invite @Scribe with /invite, then try again.`,
        details,
      );
    }
    if (BAD_CREDENTIALS.has(code)) {
      return new PermanentError(
        ErrorCode.NotConfigured,
        `Slack refused Scribe's credentials (${code}) while ${doing}: check the token and the app's scopes (slack/manifest.yml).`,
        details,
      );
    }
    if (MESSAGE_GONE.has(code))
      return new PermanentError(ErrorCode.NotFound, `The Slack message is gone (${doing})`, details);
    return new PermanentError(ErrorCode.ServiceRejected, `Slack rejected ${doing}: ${code}`, details);
  }
  if (err instanceof webApi.WebAPIRateLimitedError) {
    return new RetryableError(ErrorCode.RateLimited, `Slack is rate limiting Scribe while ${doing}`, {
      ...details,
      status: 429,
      retryAfterMs: err.retryAfter * 1000,
    });
  }
  if (err instanceof webApi.WebAPIHTTPError) {
    const retryable = err.statusCode === 429 || err.statusCode >= 500;
    return retryable
      ? new RetryableError(ErrorCode.ServiceUnavailable, `Slack is not answering (${err.statusCode}) while ${doing}`, {
          ...details,
          status: err.statusCode,
        })
      : new PermanentError(ErrorCode.ServiceRejected, `Slack rejected ${doing} (${err.statusCode})`, {
          ...details,
          status: err.statusCode,
        });
  }
  // Request errors, timeouts, and the WebClient's "A rate limit was exceeded" after its last retry.
  const rateLimited = err instanceof Error && err.message.startsWith('A rate limit was exceeded');
  return new RetryableError(
    rateLimited ? ErrorCode.RateLimited : ErrorCode.ServiceUnavailable,
    rateLimited ? `Slack is rate limiting Scribe while ${doing}` : `Could not reach Slack while ${doing}`,
    { ...details, ...(rateLimited ? { status: 429 } : {}) },
  );
}
