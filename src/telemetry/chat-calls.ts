/**
 * Chat API calls counted where every client's requests pass: Node's diagnostics channels for
 * `http` (Slack's Web API goes through axios on node:http) and undici (Discord REST, fetch). No
 * client is wrapped or patched, and a call made by Bolt or discord.js itself is counted too. A
 * request is Slack's or Discord's by its host (the configured API URLs).
 */
import diagnostics from 'node:diagnostics_channel';
import type { ChatCallOutcome, Metrics } from './metrics.ts';

/** Host (with port when not the default) → platform name. */
export type ChatHosts = Record<string, string>;

/** The hosts of the configured chat API URLs. */
export function chatHostsOf(urls: Record<string, string | undefined>): ChatHosts {
  const hosts: ChatHosts = {};
  for (const [platform, url] of Object.entries(urls)) if (url) hosts[new URL(url).host] = platform;
  return hosts;
}

function outcomeOf(status: number): ChatCallOutcome {
  return status === 429 ? 'rate_limited' : status >= 400 ? 'error' : 'ok';
}

interface HttpFinish {
  request: { host?: string; getHeader?(name: string): unknown };
  response: { statusCode?: number };
}
interface UndiciHeaders {
  request: { origin?: string | URL };
  response: { statusCode: number };
}
interface UndiciError {
  request: { origin?: string | URL };
}

/** Counts calls to the hosts until the returned function is called. */
export function watchChatCalls(hosts: ChatHosts, metrics: Pick<Metrics, 'chatCall'>): () => void {
  const hostOfOrigin = (origin: string | URL | undefined) => {
    try {
      return origin ? new URL(String(origin)).host : undefined;
    } catch {
      return undefined;
    }
  };
  const onHttp = (message: unknown) => {
    const { request, response } = message as HttpFinish;
    const host = String(request.getHeader?.('host') ?? request.host ?? '');
    const platform = hosts[host];
    if (platform) metrics.chatCall(platform, outcomeOf(response.statusCode ?? 0));
  };
  const onUndici = (message: unknown) => {
    const { request, response } = message as UndiciHeaders;
    const platform = hosts[hostOfOrigin(request.origin) ?? ''];
    if (platform) metrics.chatCall(platform, outcomeOf(response.statusCode));
  };
  const onUndiciError = (message: unknown) => {
    const platform = hosts[hostOfOrigin((message as UndiciError).request.origin) ?? ''];
    if (platform) metrics.chatCall(platform, 'error');
  };
  const subscriptions: [string, (m: unknown) => void][] = [
    ['http.client.response.finish', onHttp],
    ['undici:request:headers', onUndici],
    ['undici:request:error', onUndiciError],
  ];
  for (const [name, fn] of subscriptions) diagnostics.subscribe(name, fn);
  return () => {
    for (const [name, fn] of subscriptions) diagnostics.unsubscribe(name, fn);
  };
}
