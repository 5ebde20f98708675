/**
 * Editing and reviewing on Discord, end to end (`scribe start` as a child process, every service
 * faked): *Edit* posts the edited text exactly as a new version (one, on a double submit), with a
 * placeholder left shown as a problem; "Let me review the research first" stops after step 3,
 * *Edit research* changes what the composer receives, *Write the email* writes it with no new
 * parser, Exa or arXiv calls; another member's click on each new button is refused privately.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FakeDiscord } from '../../fakes/discord/index.ts';
import type { TestDatabase } from '../../helpers/db.ts';
import { startDiscordService, type DiscordService } from '../../helpers/e2e.ts';
import type { ScribeProcess } from '../../helpers/scribe-process.ts';
import { RECIPIENT, TEMPLATE, type Services } from '../../helpers/services.ts';
import { emailPieceOf } from '../../helpers/discord-v2.ts';

let discord: FakeDiscord;
let services: Services;
let db: TestDatabase;
let scribe: ScribeProcess;
let e2e: DiscordService;

beforeAll(async () => {
  e2e = await startDiscordService({ env: { WORKER_CONCURRENCY: '1' } });
  ({ discord, services, db, scribe } = e2e);
});

afterAll(() => e2e?.close());

const handled = (id: string) => scribe.waitForEvent({ event: 'request.handled', id }, 15_000);
const emails = (threadId: string) =>
  discord.channelView(threadId).filter((m) => !m.ephemeral && emailPieceOf(m).includes('Dear Dr.'));
const reviews = (threadId: string) =>
  discord.channelView(threadId).filter((m) => JSON.stringify(m.components).includes('scribe:write:'));
const privately = (channelId: string, userId: string, pattern: RegExp) =>
  discord.channelView(channelId, userId).find((m) => m.ephemeral && pattern.test(m.content));
const row = async (where: string, value: string) =>
  (
    await db.pool.query<{
      id: string;
      status: string;
      email: string | null;
      action: string | null;
      version: number;
      edited_by: string | null;
      steps: { research?: { output?: { summary?: string } } };
    }>(`SELECT * FROM generations WHERE ${where} = $1 ORDER BY created_at`, [value])
  ).rows;
type Modal = { components: Array<{ component: { custom_id: string; value?: string; default?: boolean } }> };

/** /scribe through its form (review ticked or not); answers the progress message (the thread's parent). */
async function draft(review: boolean) {
  const before = new Set(discord.channelView(discord.channelId).map((m) => m.id));
  const cmd = discord.slashCommand({ user: discord.people.ada });
  await handled(cmd.id);
  const submit = discord.submitModal(cmd.id, {
    template: TEMPLATE,
    recipient_name: RECIPIENT.recipientName,
    recipient_interest: RECIPIENT.recipientInterest,
    review_research: String(review),
  });
  expect((await handled(submit.id)).outcome).toBe('started');
  return discord.channelView(discord.channelId).find((m) => !before.has(m.id) && m.threadId !== undefined)!;
}

it('Edit posts the edited text exactly as a new version, once; a placeholder left is shown; others are refused', async () => {
  const { ada, grace } = discord.people;
  const progress = await draft(false);
  const thread = progress.threadId!;
  await expect.poll(() => emails(thread).length, { timeout: 30_000, interval: 100 }).toBe(1);
  await expect.poll(async () => (await row('progress_message_id', progress.id))[0]?.status).toBe('succeeded');
  const [parent] = await row('progress_message_id', progress.id);
  const result = emails(thread)[0]!;
  const editId = `scribe:edit:${parent!.id}`;

  const refused = discord.pressButton(result.id, editId, { user: grace });
  expect((await handled(refused.id)).outcome).toBe('not-allowed');
  expect(
    privately(thread, grace.id, new RegExp(`Only <@${ada.id}> or a member with Manage Messages can edit it\\.`)),
  ).toBeTruthy();
  expect(privately(thread, ada.id, /can edit it/)).toBeUndefined();

  const press = discord.pressButton(result.id, editId, { user: ada });
  expect((await handled(press.id)).outcome).toBe('form:edit');
  const form = (await discord.nextCallback(press.id)).data as unknown as Modal;
  expect(form.components[0]!.component.value).toBe(parent!.email);
  const edited = `${parent!.email}\n\nP.S. Typed by hand: *stars*, _underscores_ and "quotes" stay as written.`;
  // A double submit: the form sent twice.
  const first = discord.submitModal(press.id, { text: edited });
  const second = discord.submitModal(press.id, { text: edited });
  const outcomes = [(await handled(first.id)).outcome, (await handled(second.id)).outcome].sort();
  expect(outcomes).toEqual(['duplicate', 'edited']);
  await expect.poll(() => emails(thread).length, { timeout: 10_000 }).toBe(2);
  const version = emails(thread)[1]!;
  expect(emailPieceOf(version)).toBe(edited);
  expect(version.text).toContain(`Version 2 — edited by <@${ada.id}>`);
  const children = await row('parent_id', parent!.id);
  expect(children).toHaveLength(1);
  expect(children[0]).toMatchObject({ status: 'succeeded', action: 'edit', version: 2, email: edited });
  expect(children[0]!.edited_by).not.toBeNull();

  // Edited again with a placeholder left: posted with the problem shown.
  const again = discord.pressButton(version.id, `scribe:edit:${children[0]!.id}`, { user: ada });
  expect((await handled(again.id)).outcome).toBe('form:edit');
  const withPlaceholder = `${edited}\n\nI also enjoyed [their research topic].`;
  const save = discord.submitModal(again.id, { text: withPlaceholder });
  expect((await handled(save.id)).outcome).toBe('edited');
  await expect.poll(() => emails(thread).length, { timeout: 10_000 }).toBe(3);
  const third = emails(thread)[2]!;
  expect(emailPieceOf(third)).toBe(withPlaceholder);
  expect(third.text).toContain('Draft — check before sending');
  // Shown with markdown escaped (`\\[`), as every text of ours.
  const shown = third.text.replaceAll('\\', '');
  expect(shown).toContain('Placeholders left unfilled: [their research topic].');
}, 120_000);

it('reviews the research first: stops after step 3, Edit research feeds the composer, Write the email adds no research calls', async () => {
  const { ada, grace } = discord.people;
  const composed = services.anthropic.callsFor('email').length;
  const progress = await draft(true);
  const thread = progress.threadId!;
  await expect.poll(() => reviews(thread).length, { timeout: 30_000, interval: 100 }).toBe(1);
  await expect.poll(async () => (await row('progress_message_id', progress.id))[0]?.status).toBe('awaiting_review');
  expect(services.anthropic.callsFor('email').length).toBe(composed);
  expect(emails(thread)).toHaveLength(0);
  const [generation] = await row('progress_message_id', progress.id);
  const review = reviews(thread)[0]!;

  // The choice is remembered: the next form has the box ticked.
  const cmd = discord.slashCommand({ user: ada });
  await handled(cmd.id);
  const next = (await discord.nextCallback(cmd.id)).data as unknown as Modal;
  expect(next.components.find((c) => c.component.custom_id === 'review_research')?.component.default).toBe(true);

  const writeId = `scribe:write:${generation!.id}`;
  const researchId = `scribe:research:${generation!.id}`;
  const refusedWrite = discord.pressButton(review.id, writeId, { user: grace });
  expect((await handled(refusedWrite.id)).outcome).toBe('not-allowed');
  expect(privately(thread, grace.id, /can have it written\./)).toBeTruthy();
  const refusedEdit = discord.pressButton(review.id, researchId, { user: grace });
  expect((await handled(refusedEdit.id)).outcome).toBe('not-allowed');
  expect(privately(thread, grace.id, /can edit the research\./)).toBeTruthy();
  expect((await row('progress_message_id', progress.id))[0]?.status).toBe('awaiting_review');

  const press = discord.pressButton(review.id, researchId, { user: ada });
  expect((await handled(press.id)).outcome).toBe('form:research');
  const form = (await discord.nextCallback(press.id)).data as unknown as Modal;
  expect(form.components[0]!.component.value).toBe(generation!.steps.research!.output!.summary);
  const summary = 'EDITED BY ADA: she designs looms that compute [1].';
  const save = discord.submitModal(press.id, { text: summary });
  expect((await handled(save.id)).outcome).toBe('research-saved');
  expect((await row('progress_message_id', progress.id))[0]?.steps.research?.output?.summary).toBe(summary);
  await expect.poll(() => reviews(thread).length, { timeout: 10_000 }).toBe(2);

  const before = {
    parse: services.anthropic.callsFor('parsed_template').length,
    research: services.anthropic.callsFor('research_summary').length,
    exa: services.exa.requests.length,
    arxiv: services.arxiv.requests.length,
  };
  const write = discord.pressButton(reviews(thread)[1]!.id, writeId, { user: ada });
  expect((await handled(write.id)).outcome).toBe('writing');
  await expect.poll(() => emails(thread).length, { timeout: 30_000, interval: 100 }).toBe(1);
  expect({
    parse: services.anthropic.callsFor('parsed_template').length,
    research: services.anthropic.callsFor('research_summary').length,
    exa: services.exa.requests.length,
    arxiv: services.arxiv.requests.length,
  }).toEqual(before);
  const compose = services.anthropic.callsFor('email').slice(composed);
  expect(compose.length).toBeGreaterThan(0);
  expect(compose.every((c) => JSON.stringify(c.messages).includes('EDITED BY ADA'))).toBe(true);
}, 120_000);
