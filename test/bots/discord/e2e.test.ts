/**
 * Discord end to end, with Scribe started as users start it (`scribe start`, a child process) and
 * every service faked: /scribe → modal → submission → a thread on the progress embed, edited
 * through the four steps → the email with its sources → 🔁 → a second version, no new research.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FakeDiscord } from '../../fakes/discord/index.ts';
import { startDiscordService, type DiscordService } from '../../helpers/e2e.ts';
import type { ScribeProcess } from '../../helpers/scribe-process.ts';
import { NAMESAKE_PAPER } from '../../helpers/namesakes.ts';
import { composerPrompt, RECIPIENT, TEMPLATE, type Services } from '../../helpers/services.ts';
import { expectTemplateKept } from '../../helpers/template-kept.ts';
import { emailPieceOf, progressOf } from '../../helpers/discord-v2.ts';

let discord: FakeDiscord;
let services: Services;
let scribe: ScribeProcess;
let e2e: DiscordService;

beforeAll(async () => {
  e2e = await startDiscordService();
  ({ discord, services, scribe } = e2e);
});

afterAll(() => e2e?.close());

const handled = (id: string) => scribe.waitForEvent({ event: 'request.handled', id }, 15_000);
const emails = (threadId: string) =>
  discord.channelView(threadId).filter((m) => emailPieceOf(m).includes('Dear Dr. Lovelace'));

it('drafts an email from /scribe into a thread (through a gateway disconnect), then regenerates it from a reaction', async () => {
  const { ada, grace } = discord.people;
  const cmd = discord.slashCommand({ user: ada });
  expect((await handled(cmd.id)).outcome).toBe('modal');
  const submit = discord.submitModal(cmd.id, {
    template: TEMPLATE,
    recipient_name: RECIPIENT.recipientName,
    recipient_interest: RECIPIENT.recipientInterest,
  });
  expect((await handled(submit.id)).outcome).toBe('started');

  // The gateway drops while the email is being written: the bot resumes its session, and the
  // worker, which only uses REST, carries on.
  const received = discord.gateway.received.length;
  discord.gateway.disconnect({ code: 4000 });
  await discord.gateway.waitForResume(received);

  const progress = discord.channelView(discord.channelId).find((m) => m.threadId !== undefined)!;
  expect(progressOf(discord.revisions(progress.id)[0]!).title).toBe('Drafting an email to Ada Lovelace');
  await expect.poll(() => emails(progress.threadId!).length, { timeout: 30_000, interval: 100 }).toBe(1);

  const thread = discord.channelView(progress.threadId!);
  const all = thread.map((m) => m.text).join('\n');
  // The email's text display is the bare email (what Copy gives): no marks, no subject.
  const email = emailPieceOf(emails(progress.threadId!)[0]!);
  expect(email).toMatch(/^Dear Dr\. Lovelace,\n\nI read your recent work on analytical engines with great interest\./);
  expect(email).not.toContain('[1]');
  expectTemplateKept(email, TEMPLATE);
  // Above it the subject; below it each personal line with the source it stands on.
  const emailAt = thread.findIndex((m) => emailPieceOf(m) === email);
  expect(thread[emailAt]!.text.startsWith(`**Subject:** About your work on analytical engines\n${email}`)).toBe(true);
  // The whole line, its mark right after the fill (as Slack shows it).
  expect(all).toMatch(
    /Where each line comes from\*\*\n> I read your recent work on analytical engines\\\[1\\\] with great interest\./,
  );
  expect(all).toContain('https://uni.example/~ada');
  expect(all).toContain('Programs for analytical engines');
  // No OpenAlex key here: the result says so, and the namesake's paper (not about the interest) is not used.
  // (Markdown-escaped in the embed: Discord shows the underscores.)
  expect(all).toContain('About: Ada Lovelace · identity not verified: OPENALEX\\_API\\_KEY is not set');
  expect(composerPrompt(services)).not.toContain(NAMESAKE_PAPER);
  expect(JSON.stringify(thread.at(-1)?.components)).toMatch(/scribe:regenerate:/);

  // The progress embed went through the steps and ended done.
  await expect
    .poll(
      () => progressOf(discord.channelView(discord.channelId).find((m) => m.id === progress.id)!).lines.join('\n'),
      { timeout: 10_000 },
    )
    .toMatch(
      /✅ Reading the template[\s\S]*✅ Researching the web[\s\S]*✅ Finding papers on arXiv[\s\S]*✅ Writing the email/,
    );
  expect(discord.revisions(progress.id).length).toBeGreaterThanOrEqual(3);

  // 🔁 by someone else: ignored. By the requester: version 2, with no new research.
  const result = emails(progress.threadId!)[0]!;
  discord.react(result.id, '🔁', grace);
  expect((await handled(`${result.id}:${grace.id}:🔁`)).outcome).toMatch(/ignored|not.?allowed/i);
  const before = {
    exa: services.exa.requests.length,
    arxiv: services.arxiv.requests.length,
    pages: services.pages.requests.length,
  };
  discord.react(result.id, '🔁', ada);
  await expect.poll(() => emails(progress.threadId!).length, { timeout: 30_000, interval: 100 }).toBe(2);
  expect({
    exa: services.exa.requests.length,
    arxiv: services.arxiv.requests.length,
    pages: services.pages.requests.length,
  }).toEqual(before);
}, 90_000);
