/**
 * What the Slack handlers share: the request layer's deps, the Web API client (bot token), the
 * memory of Events API ids, and how to answer a response URL.
 */
import type { RequestDeps } from '../shared/deps.ts';
import type { RecentKeys } from '../../requests/recent-keys.ts';
import type { WebClient } from './client.ts';

/** The handlers' dependencies, built once by `startSlackBot` (tests build their own). */
export interface SlackBotDeps extends RequestDeps {
  /** Bolt's client for the bot token (`app.client`), pointed at SLACK_API_URL with a bounded retry policy. */
  client: WebClient;
  /** Events API `event_id`s handled lately: Slack redelivers an event it thinks was not acknowledged. */
  recentEvents: RecentKeys;
  /** Posts to a response URL (an ephemeral answer that works where the bot is not a member). */
  respond: (responseUrl: string, message: ResponseMessage) => Promise<void>;
}

/** A message for a response URL. */
export interface ResponseMessage {
  text: string;
  blocks?: unknown[];
  response_type?: 'ephemeral' | 'in_channel';
  replace_original?: boolean;
}

/** Posts to a response URL with fetch (Bolt's `respond()` does the same; this one works outside a listener). */
export async function postToResponseUrl(responseUrl: string, message: ResponseMessage): Promise<void> {
  const response = await fetch(responseUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ response_type: 'ephemeral', ...message }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`response URL answered ${response.status}: ${await response.text()}`);
}
