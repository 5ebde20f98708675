/**
 * What route handlers share: the world, the message store, the interaction registry, the
 * gateway's address and its event sink; plus the permission checks Discord makes on REST calls.
 */
import type { InteractionRegistry } from './interaction-registry.ts';
import type { Emit, MessageStore } from './messages.ts';
import { fail, type RouteResult } from './rest.ts';
import { Permission, type DiscordWorld, type FakeChannel } from './world.ts';

/** Dependencies of every route module. */
export interface RouteDeps {
  world: DiscordWorld;
  messages: MessageStore;
  interactions: InteractionRegistry;
  /** The fake gateway's `ws://` URL, answered by `GET /gateway/bot`. */
  gatewayUrl(): string;
  emit: Emit;
  /**
   * Serves a file a message was sent with, as Discord's CDN serves attachments; returns its URL.
   * Absent in a composition without a CDN.
   */
  serveFile?(path: string, contentType: string, body: Buffer): string;
}

/** 404 Unknown Channel (10003). */
export const unknownChannel = (): RouteResult => fail(404, 'Unknown Channel', 10003);
/** 404 Unknown Message (10008). */
export const unknownMessage = (): RouteResult => fail(404, 'Unknown Message', 10008);

/**
 * Checks that the bot may act in a channel: without View Channel Discord answers 403 Missing
 * Access (50001); without one of `bits`, 403 Missing Permissions (50013).
 */
export function requireBot(
  deps: RouteDeps,
  channelId: string,
  bits: bigint = 0n,
): { channel: FakeChannel } | { error: RouteResult } {
  const channel = deps.world.channels.get(channelId);
  if (!channel) return { error: unknownChannel() };
  const have = deps.world.permissionsIn(channelId, deps.world.bot.id);
  if (!(have & Permission.ViewChannel)) return { error: fail(403, 'Missing Access', 50001) };
  if ((have & bits) !== bits) return { error: fail(403, 'Missing Permissions', 50013) };
  return { channel };
}

/** Whether a channel is a thread (types 10, 11, 12). */
export function isThread(channel: FakeChannel): boolean {
  return channel.type === 10 || channel.type === 11 || channel.type === 12;
}
