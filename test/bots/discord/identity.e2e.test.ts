/**
 * Who the email is about (issue 20), on Discord end to end: two Ada Lovelaces in OpenAlex, and only
 * the right one's papers reach the composer; the About line is an embed, outside the message
 * content, which stays exactly the email. (Without an OpenAlex key: test/bots/discord/e2e.test.ts.)
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FakeDiscord } from '../../fakes/discord/index.ts';
import { startDiscordService, submitDiscordForm, type DiscordService } from '../../helpers/e2e.ts';
import { ADA_JOURNAL_PAPER, ADA_ORCID, NAMESAKE_PAPER } from '../../helpers/namesakes.ts';
import { composerPrompt, OPENALEX_TEST_KEY, type Services } from '../../helpers/services.ts';
import { emailPieceOf, progressOf } from '../../helpers/discord-v2.ts';

let discord: FakeDiscord;
let services: Services;
let e2e: DiscordService;

beforeAll(async () => {
  e2e = await startDiscordService({ env: { OPENALEX_API_KEY: OPENALEX_TEST_KEY } });
  ({ discord, services } = e2e);
});

afterAll(() => e2e?.close());

it('writes to the right Ada Lovelace: only her papers, and the result says who she is', async () => {
  const { modal, submitted } = await submitDiscordForm(e2e);
  expect([modal.outcome, submitted.outcome]).toEqual(['modal', 'started']);

  const progress = discord.channelView(discord.channelId).find((m) => m.threadId !== undefined)!;
  const emails = () =>
    discord.channelView(progress.threadId!).filter((m) => emailPieceOf(m).includes('Dear Dr. Lovelace'));
  await expect.poll(() => emails().length, { timeout: 30_000, interval: 100 }).toBe(1);

  const thread = discord.channelView(progress.threadId!);
  const embeds = thread.map((m) => m.text).join('\n');
  expect(embeds).toContain(`About: Ada Lovelace · University of London · ORCID ${ADA_ORCID}`);
  expect(thread.map((m) => emailPieceOf(m)).join('\n')).not.toContain('About:');
  expect(embeds).toContain(ADA_JOURNAL_PAPER);
  expect(embeds).not.toContain(NAMESAKE_PAPER);

  const prompt = composerPrompt(services);
  expect(prompt).toContain('Programs for analytical engines');
  expect(prompt).toContain(ADA_JOURNAL_PAPER);
  expect(prompt).not.toContain(NAMESAKE_PAPER);

  await expect
    .poll(
      () => progressOf(discord.channelView(discord.channelId).find((m) => m.id === progress.id)!).lines.join('\n'),
      { timeout: 10_000 },
    )
    .toMatch(/✅ Researching the web[\s\S]*✅ Checking who the recipient is[\s\S]*✅ Finding papers/);
}, 90_000);
