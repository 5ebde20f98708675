/**
 * "Which Ada Lovelace?" on Discord end to end (issue 20): `scribe start` as a child process, two
 * Ada Lovelaces in the fake OpenAlex too close to tell apart (`closeNamesakes`). The thread asks
 * with a line and a button per candidate and "None of these"; another member's answer is refused
 * privately; the requester's writes the email with no new parser, Exa, arXiv or OpenAlex call and
 * only the chosen person's papers; a second click changes nothing and says so; "None of these"
 * writes without papers and says so; in a batch the ambiguous row waits (❓) while the others
 * finish, and resumes alone when answered.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FakeDiscord } from '../../fakes/discord/index.ts';
import type { TestDatabase } from '../../helpers/db.ts';
import { startDiscordService, submitDiscordForm, type DiscordService } from '../../helpers/e2e.ts';
import {
  ADA_JOURNAL_PAPER,
  CLOSE_ADA_PAPER,
  CLOSE_NAMESAKE_PAPER,
  closeNamesakes,
  NAMESAKE_PAPER,
} from '../../helpers/namesakes.ts';
import { composerPrompt, OPENALEX_TEST_KEY, TEMPLATE, type Services } from '../../helpers/services.ts';
import { batchOf, buttonsIn, emailPieceOf, progressOf } from '../../helpers/discord-v2.ts';

let discord: FakeDiscord;
let services: Services;
let db: TestDatabase;
let e2e: DiscordService;

beforeAll(async () => {
  // No research cache: each test's email researches (and asks) afresh.
  e2e = await startDiscordService({ env: { OPENALEX_API_KEY: OPENALEX_TEST_KEY, RESEARCH_CACHE_TTL: '0s' } });
  ({ discord, services, db } = e2e);
  Object.assign(services.openalex, closeNamesakes());
});

afterAll(() => e2e?.close());

const handled = (id: string) => e2e.scribe.waitForEvent({ event: 'request.handled', id }, 15_000);
const questions = (threadId: string) =>
  discord.channelView(threadId).filter((m) => JSON.stringify(m.components).includes('scribe:choose:'));
const emails = (threadId: string) =>
  discord.channelView(threadId).filter((m) => !m.ephemeral && emailPieceOf(m).includes('Dear Dr.'));
/** What a message shows: every message in the thread is Components V2 (no embeds), read as text. */
const embedsOf = (m: { text: string; embeds: unknown[] }) => {
  expect(m.embeds).toEqual([]);
  return m.text;
};
const privately = (channelId: string, userId: string, pattern: RegExp) =>
  discord.channelView(channelId, userId).find((m) => m.ephemeral && pattern.test(m.content));
const statusOf = async (id: string) =>
  (await db.pool.query<{ status: string }>('SELECT status FROM generations WHERE id = $1', [id])).rows[0]?.status;
const calls = () => ({
  parse: services.anthropic.callsFor('parsed_template').length,
  exa: services.exa.requests.length,
  arxiv: services.arxiv.requests.length,
  openalex: services.openalex.requests.length,
});

/** Asks for Ada's email and waits for the question: its thread, message and the row id. */
async function untilAsked() {
  const before = new Set(discord.channelView(discord.channelId).map((m) => m.id));
  const { submitted } = await submitDiscordForm(e2e);
  expect(submitted.outcome).toBe('started');
  const progress = discord.channelView(discord.channelId).find((m) => !before.has(m.id) && m.threadId !== undefined)!;
  const thread = progress.threadId!;
  await expect.poll(() => questions(thread).length, { timeout: 60_000, interval: 100 }).toBe(1);
  const { rows } = await db.pool.query<{ id: string }>('SELECT id FROM generations WHERE progress_message_id = $1', [
    progress.id,
  ]);
  const id = rows[0]!.id;
  await expect.poll(() => statusOf(id), { timeout: 10_000 }).toBe('awaiting_identity');
  return { progress, thread, question: questions(thread)[0]!, id };
}

it('asks which Ada Lovelace; only the requester answers; the choice writes with her papers and no new search', async () => {
  const { ada, grace } = discord.people;
  const composed = services.anthropic.callsFor('email').length;
  const { progress, thread, question, id } = await untilAsked();
  const asked = embedsOf(question).replaceAll('\\', '');
  expect(asked).toContain('Which Ada Lovelace?');
  expect(asked).toContain(`Babbage College · Analytical engines · “${CLOSE_ADA_PAPER}” (2024)`);
  expect(asked).toContain(`University of Leeds · Analytical engines · “${CLOSE_NAMESAKE_PAPER}” (2024)`);
  const labels = buttonsIn(question).map((c) => c.label);
  expect(labels).toEqual(['1 · Babbage College', '2 · University of Leeds', 'None of these']);
  expect(services.anthropic.callsFor('email').length).toBe(composed);
  expect(emails(thread)).toHaveLength(0);
  await expect
    .poll(() => progressOf(discord.channelView(discord.channelId).find((m) => m.id === progress.id)!).title, {
      timeout: 10_000,
    })
    .toContain('Which Ada Lovelace?');

  const refused = discord.pressButton(question.id, `scribe:choose:${id}:2`, { user: grace });
  expect((await handled(refused.id)).outcome).toBe('not-allowed');
  expect(privately(thread, grace.id, /can say which person it is\./)).toBeTruthy();
  expect(await statusOf(id)).toBe('awaiting_identity');

  const before = calls();
  const press = discord.pressButton(question.id, `scribe:choose:${id}:1`, { user: ada });
  expect((await handled(press.id)).outcome).toBe('chosen');
  expect(privately(thread, ada.id, /Writing the email about Ada Lovelace · Babbage College/)).toBeTruthy();
  await expect.poll(() => emails(thread).length, { timeout: 60_000, interval: 100 }).toBe(1);
  expect(calls()).toEqual(before);
  const prompt = composerPrompt(services);
  expect(prompt).toContain(CLOSE_ADA_PAPER);
  expect(prompt).toContain(ADA_JOURNAL_PAPER);
  expect(prompt).not.toContain(CLOSE_NAMESAKE_PAPER);
  expect(prompt).not.toContain(NAMESAKE_PAPER);
  const shown = discord.channelView(thread).map(embedsOf).join('\n');
  expect(shown).toContain('About: Ada Lovelace · Babbage College · OpenAlex A100');

  const again = discord.pressButton(question.id, `scribe:choose:${id}:none`, { user: ada });
  expect((await handled(again.id)).outcome).toBe('already-chosen');
  expect(privately(thread, ada.id, /Already answered: the email is about Ada Lovelace · Babbage College/)).toBeTruthy();
  expect(emails(thread)).toHaveLength(1);
}, 150_000);

it('"None of these" writes without papers and says so', async () => {
  const { thread, question, id } = await untilAsked();
  const before = calls();
  const press = discord.pressButton(question.id, `scribe:choose:${id}:none`, { user: discord.people.ada });
  expect((await handled(press.id)).outcome).toBe('chosen');
  await expect.poll(() => emails(thread).length, { timeout: 60_000, interval: 100 }).toBe(1);
  expect(calls()).toEqual(before);
  const shown = discord.channelView(thread).map(embedsOf).join('\n');
  expect(shown).toContain('no papers used: you said none of the candidates is the person');
  const prompt = composerPrompt(services);
  expect(prompt).not.toContain(CLOSE_ADA_PAPER);
  expect(prompt).not.toContain(CLOSE_NAMESAKE_PAPER);
  expect(prompt).not.toContain(ADA_JOURNAL_PAPER);
}, 150_000);

it('in a batch, the ambiguous row waits (❓) while the others finish, and resumes alone when answered', async () => {
  const command = discord.slashCommand({ user: discord.people.ada, options: { action: 'batch' } });
  expect((await handled(command.id)).outcome).toBe('batch-modal');
  const submitted = discord.submitModal(command.id, {
    template: TEMPLATE,
    recipients: 'Grace Hopper | compilers\nAda Lovelace | analytical engines\nAlan Turing | computability',
  });
  expect((await handled(submitted.id)).outcome).toBe('batch:3');
  const table = () => discord.channelView(discord.channelId).find((m) => batchOf(m).title.startsWith('3 emails'));
  await expect
    .poll(() => table() && batchOf(table()!).title, { timeout: 90_000, interval: 200 })
    .toBe('3 emails: 2 ✅ 1 ❓');
  expect(batchOf(table()!).table).toContain('❓ Ada Lovelace');
  const thread = table()!.threadId!;
  const [question] = questions(thread);
  expect(embedsOf(question!)).toContain('Which Ada Lovelace?');
  expect(embedsOf(question!)).toContain('(email 2 of 3)');
  expect(emails(thread)).toHaveLength(2);

  const { rows } = await db.pool.query<{ id: string }>(
    "SELECT id FROM generations WHERE status = 'awaiting_identity' AND batch_id IS NOT NULL",
  );
  const before = calls();
  const press = discord.pressButton(question!.id, `scribe:choose:${rows[0]!.id}:1`, { user: discord.people.ada });
  expect((await handled(press.id)).outcome).toBe('chosen');
  await expect
    .poll(() => table() && batchOf(table()!).title, { timeout: 90_000, interval: 200 })
    .toBe('3 emails: 3 ✅');
  await expect.poll(() => emails(thread).length, { timeout: 10_000 }).toBe(3);
  expect(calls()).toEqual(before);
}, 200_000);
