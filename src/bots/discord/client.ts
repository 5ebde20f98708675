/**
 * The Discord REST client and Discord's failures in Scribe's vocabulary. Every REST client Scribe
 * makes (the bot's own, the worker's reporter) is created here or by discord.js from the same
 * `apiUrl`; @discordjs/rest queues per route and waits out 429s itself.
 */
import { createRequire } from 'node:module';
import type * as DiscordRest from '@discordjs/rest';
import type { DiscordConfig } from '../../config.ts';
import { ErrorCode, PermanentError, RetryableError, type ScribeError } from '../../errors.ts';

// The REST package itself, not discord.js's re-export: importing discord.js loads its gateway
// client, builders and caches into a worker that only calls the REST API. Its CommonJS build, the
// one discord.js itself requires, so a process running both (`scribe start`) has one
// DiscordAPIError class and `instanceof` holds for errors from either.
const rest = createRequire(import.meta.url)('@discordjs/rest') as typeof DiscordRest;
export const { DiscordAPIError, HTTPError, REST } = rest;
export type DiscordAPIError = DiscordRest.DiscordAPIError;
export type HTTPError = DiscordRest.HTTPError;
export type REST = DiscordRest.REST;

/** Discord's JSON error codes we act on. */
export const DiscordCode = {
  UnknownChannel: 10003,
  UnknownMessage: 10008,
  MissingAccess: 50001,
  MissingPermissions: 50013,
} as const;

/** A REST client for the bot token at `config.apiUrl`; composition roots call this. */
export function createDiscordRest(config: Pick<DiscordConfig, 'token' | 'apiUrl'>): REST {
  return new REST({ api: config.apiUrl }).setToken(config.token);
}

/** True for 403s that mean the bot lacks a permission or cannot see the channel. */
export function isMissingPermission(err: unknown): boolean {
  return (
    err instanceof DiscordAPIError &&
    err.status === 403 &&
    (err.code === DiscordCode.MissingPermissions || err.code === DiscordCode.MissingAccess)
  );
}

/** A Discord failure in Scribe's vocabulary: 429, 5xx and network trouble may pass; the rest will not. */
export function toScribeError(err: unknown, doing: string): ScribeError {
  const details = { service: 'Discord', cause: err };
  if (isMissingPermission(err)) {
    return new PermanentError(
      ErrorCode.NotAllowed,
      `Discord refused ${doing}: Scribe is missing a permission in this channel (View Channel, Send Messages, ` +
        'Send Messages in Threads, Embed Links). Ask a server admin to grant them, then try again.',
      { ...details, status: 403 },
    );
  }
  if (err instanceof DiscordAPIError || err instanceof HTTPError) {
    if (err.status === 429 || err.status >= 500) {
      return new RetryableError(
        ErrorCode.ServiceUnavailable,
        `Discord is not answering (${err.status}) while ${doing}`,
        { ...details, status: err.status },
      );
    }
    const gone =
      err instanceof DiscordAPIError &&
      (err.code === DiscordCode.UnknownChannel || err.code === DiscordCode.UnknownMessage);
    return new PermanentError(
      gone ? ErrorCode.NotFound : ErrorCode.ServiceRejected,
      gone ? `The Discord thread or message is gone (${doing})` : `Discord rejected ${doing}: ${err.message}`,
      { ...details, status: err.status },
    );
  }
  // fetch failures and timeouts (AbortError) from the transport.
  return new RetryableError(ErrorCode.ServiceUnavailable, `Could not reach Discord while ${doing}`, details);
}
