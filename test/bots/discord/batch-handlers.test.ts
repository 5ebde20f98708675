/**
 * `downloadCsv`, the Discord attachment download behind `/scribe recipients:<file.csv>`: only
 * Discord's CDN over HTTPS, or the configured API's own origin (the fake Discord serves attachments
 * there), compared as whole origins — scheme, host and port.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downloadCsv } from '../../../src/bots/discord/batch-handlers.ts';
import { startFakeDiscord, type FakeDiscord } from '../../fakes/discord/index.ts';

let discord: FakeDiscord;
/** Another server on the same host (127.0.0.1), another port: not the configured Discord. */
let lookAlike: FakeDiscord;

beforeAll(async () => {
  [discord, lookAlike] = await Promise.all([startFakeDiscord(), startFakeDiscord()]);
});

afterAll(async () => {
  await Promise.all([discord?.close(), lookAlike?.close()]);
});

const CSV = 'name,interest\nAda Lovelace,analytical engines\n';

describe('downloadCsv', () => {
  it("reads an attachment from the configured Discord's origin", async () => {
    expect(await downloadCsv(discord.attach('people.csv', CSV), discord.apiUrl)).toBe(CSV);
  });

  it('refuses the same host on another port, though it serves the file', async () => {
    const elsewhere = lookAlike.attach('people.csv', CSV);
    expect(new URL(elsewhere.url).hostname).toBe(new URL(discord.apiUrl).hostname);
    await expect(downloadCsv(elsewhere, discord.apiUrl)).rejects.toThrow('That file does not come from Discord.');
    expect(await downloadCsv(elsewhere, lookAlike.apiUrl)).toBe(CSV);
  });

  it("refuses Discord's CDN hosts over plain HTTP, on another port, or as a prefix of another host", async () => {
    for (const url of [
      'http://cdn.discordapp.com/attachments/1/2/people.csv',
      'https://cdn.discordapp.com:8443/attachments/1/2/people.csv',
      'https://cdn.discordapp.com.example.org/attachments/1/2/people.csv',
      'ftp://media.discordapp.net/attachments/1/2/people.csv',
    ]) {
      await expect(downloadCsv({ url, size: CSV.length }, discord.apiUrl), url).rejects.toThrow(
        'That file does not come from Discord.',
      );
    }
  });
});
