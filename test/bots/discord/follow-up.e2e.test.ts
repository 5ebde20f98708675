/**
 * Follow-up reminders on Discord, end to end (`scribe start` as a child process, every service
 * faked; FOLLOW_UP_DAYS a few seconds): *Remind me* marks the email sent and schedules the
 * reminder; Scribe restarts before it is due; the follow-up draft is posted in the thread once,
 * after the delay, by the new process. *Got a reply* before the time: nothing posted. The quota
 * used up when it comes due: the thread says so, no draft, no model call.
 */
import { ComponentType } from 'discord.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { questionOf } from '../../fakes/anthropic.ts';
import type { FakeDiscord } from '../../fakes/discord/index.ts';
import type { TestDatabase } from '../../helpers/db.ts';
import { allComponents, buttonsIn, emailPieceOf } from '../../helpers/discord-v2.ts';
import { ADA_FORM, startDiscordService, type DiscordService } from '../../helpers/e2e.ts';
import type { Services } from '../../helpers/services.ts';

let discord: FakeDiscord;
let services: Services;
let db: TestDatabase;
let e2e: DiscordService;

const DELAY_S = 12;

beforeAll(async () => {
  e2e = await startDiscordService({
    // Quota 3: the email (1), its follow-up (2), a regenerated version (3); the next follow-up is one too many.
    env: { WORKER_CONCURRENCY: '1', FOLLOW_UP_DAYS: String(DELAY_S / 86_400), SCRIBE_DAILY_QUOTA: '3' },
  });
  ({ discord, services, db } = e2e);
});

afterAll(() => e2e?.close());

const handled = (id: string) => e2e.scribe.waitForEvent({ event: 'request.handled', id }, 30_000);
const emails = (threadId: string) =>
  discord.channelView(threadId).filter((m) => !m.ephemeral && emailPieceOf(m).includes('Dear Dr.'));
const privately = (channelId: string, userId: string, pattern: RegExp) =>
  discord.channelView(channelId, userId).filter((m) => m.ephemeral && pattern.test(m.content));
const followUps = (threadId: string) =>
  discord.channelView(threadId).filter((m) => !m.ephemeral && /No reply from Ada Lovelace since/.test(m.text));
const followUpCalls = () => services.anthropic.calls().filter((c) => questionOf(c) === 'follow_up');
const generations = async () =>
  (await db.pool.query<{ id: string; status: string }>('SELECT id, status FROM generations ORDER BY created_at')).rows;
const outreach = async () =>
  (
    await db.pool.query<{ follow_up: string; version: number }>(
      'SELECT follow_up, version FROM outreach ORDER BY version',
    )
  ).rows;
const DUE_MS = (DELAY_S + 20) * 1_000;

it('Remind me → restart → the follow-up posted once after the delay; Got a reply → nothing; quota used up → told, no draft', async () => {
  const { ada, grace } = discord.people;
  const cmd = discord.slashCommand({ user: ada });
  expect((await handled(cmd.id)).outcome).toBe('modal');
  const form = discord.submitModal(cmd.id, ADA_FORM);
  expect((await handled(form.id)).outcome).toBe('started');
  const progress = discord.channelView(discord.channelId).find((m) => m.threadId !== undefined)!;
  const thread = progress.threadId!;
  await expect.poll(() => emails(thread).length, { timeout: 60_000, interval: 100 }).toBe(1);
  await expect.poll(async () => (await generations())[0]?.status).toBe('succeeded');
  const [g1] = await generations();
  const first = emails(thread)[0]!;
  // The outreach row: Mark as sent, Not sent, Remind me, Got a reply, Cancel reminder (Discord's five).
  // A Components V2 result: the rows sit inside its container.
  const rows = allComponents(first.components).filter((c) => c.type === ComponentType.ActionRow);
  expect(rows.every((r) => (r.components ?? []).length <= 5)).toBe(true);
  const outreachRow = rows.find((r) => buttonsIn(r).some((b) => b.custom_id === `scribe:remind:${g1!.id}`));
  expect(buttonsIn(outreachRow ?? {}).map((b) => b.custom_id)).toEqual(
    ['sent', 'unsent', 'remind', 'replied', 'unremind'].map((a) => `scribe:${a}:${g1!.id}`),
  );

  const other = discord.pressButton(first.id, `scribe:remind:${g1!.id}`, { user: grace });
  expect((await handled(other.id)).outcome).toBe('not-allowed');
  const remind = discord.pressButton(first.id, `scribe:remind:${g1!.id}`, { user: ada });
  expect((await handled(remind.id)).outcome).toBe('reminder-set');
  expect(privately(thread, ada.id, /Marked as sent, and I’ll post a short follow-up here on/)).toHaveLength(1);
  expect(await outreach()).toMatchObject([{ follow_up: 'scheduled', version: 1 }]);

  // A restart before it is due: the reminder survives it.
  await e2e.restart();
  expect(followUps(thread)).toHaveLength(0);
  await e2e.scribe.waitForEvent({ event: 'follow-up.posted' }, DUE_MS);
  await expect.poll(() => followUps(thread).length, { timeout: 10_000, interval: 100 }).toBe(1);
  expect(followUps(thread)[0]!.text).toMatch(
    /Here is a follow-up you can send:\n> Dear Ada Lovelace, I am following up/,
  );
  expect(followUpCalls()).toHaveLength(1);
  expect((await outreach())[0]).toMatchObject({ follow_up: 'posted' });

  // Version 2 (the quota's 3rd slot): Remind me, then Got a reply before the time — nothing is posted.
  const regenerate = discord.pressButton(first.id, `scribe:regenerate:${g1!.id}`, { user: ada });
  expect((await handled(regenerate.id)).outcome).toBe('started');
  await expect.poll(() => emails(thread).length, { timeout: 60_000, interval: 100 }).toBe(2);
  await expect.poll(async () => (await generations())[1]?.status, { timeout: 30_000 }).toBe('succeeded');
  const g2 = (await generations())[1]!;
  const second = emails(thread).find((m) => m.id !== first.id)!;
  const remind2 = discord.pressButton(second.id, `scribe:remind:${g2.id}`, { user: ada });
  expect((await handled(remind2.id)).outcome).toBe('reminder-set');
  const replied = discord.pressButton(second.id, `scribe:replied:${g2.id}`, { user: ada });
  expect((await handled(replied.id)).outcome).toBe('reminder-stopped');
  expect(privately(thread, ada.id, /Glad they answered/)).toHaveLength(1);
  await e2e.scribe.waitForEvent({ event: 'follow-up.skipped', state: 'replied' }, DUE_MS);
  expect(followUps(thread)).toHaveLength(1);
  expect(followUpCalls()).toHaveLength(1);

  // Remind me again: when it comes due the quota (3) is used up — said in the thread, no model call.
  const remind3 = discord.pressButton(second.id, `scribe:remind:${g2.id}`, { user: ada });
  expect((await handled(remind3.id)).outcome).toBe('reminder-set');
  await e2e.scribe.waitForEvent({ event: 'follow-up.held', reason: 'quota' }, DUE_MS);
  await expect.poll(() => followUps(thread).length, { timeout: 10_000, interval: 100 }).toBe(2);
  expect(followUps(thread)[1]!.text).toMatch(/no draft was written: you have used your 3 emails for today/);
  expect(followUpCalls()).toHaveLength(1);
  expect((await outreach())[1]).toMatchObject({ follow_up: 'held' });
}, 240_000);
