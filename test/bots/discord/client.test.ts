/**
 * The worker's Discord REST client comes from @discordjs/rest itself (not discord.js, which would
 * load the gateway client into every worker); a process that runs the bot too must still recognise
 * the failures discord.js's own REST throws (an interaction's reply refused, say).
 */
import * as discordJs from 'discord.js';
import { describe, expect, it } from 'vitest';
import {
  DiscordAPIError,
  DiscordCode,
  REST,
  isMissingPermission,
  toScribeError,
} from '../../../src/bots/discord/client.ts';

describe('Discord REST client', () => {
  it('uses the classes discord.js uses, so an error from either is recognised', () => {
    expect(DiscordAPIError).toBe(discordJs.DiscordAPIError);
    expect(REST).toBe(discordJs.REST);
    // As discord.js's client throws it when a reply lacks a permission.
    const refused = new discordJs.DiscordAPIError(
      { code: DiscordCode.MissingPermissions, message: 'Missing Permissions' },
      DiscordCode.MissingPermissions,
      403,
      'POST',
      'https://discord.com/api/v10/interactions/1/token/callback',
      {},
    );
    expect(isMissingPermission(refused)).toBe(true);
    expect(toScribeError(refused, 'posting the reply').message).toMatch(
      /Scribe is missing a permission in this channel/,
    );
  });
});
