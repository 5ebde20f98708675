/**
 * Steering a draft on Discord, end to end (`scribe start` as a child process, every service
 * faked): Cancel of a running generation (refused for another member, said only to them; nothing
 * posted afterwards; row `cancelled`), and `/scribe fresh:true` researching afresh.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FakeDiscord } from '../../fakes/discord/index.ts';
import type { TestDatabase } from '../../helpers/db.ts';
import { startDiscordService, type DiscordService } from '../../helpers/e2e.ts';
import type { ScribeProcess } from '../../helpers/scribe-process.ts';
import { RECIPIENT, TEMPLATE, type Services } from '../../helpers/services.ts';
import { emailPieceOf, progressOf } from '../../helpers/discord-v2.ts';

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
const emails = (threadId: string) => discord.channelView(threadId).filter((m) => emailPieceOf(m).includes('Dear Dr.'));

/** /scribe with all options; answers the progress message (the thread's parent). */
async function draft(name: string, extra: Record<string, string | boolean> = {}) {
  const before = new Set(discord.channelView(discord.channelId).map((m) => m.id));
  const cmd = discord.slashCommand({
    user: discord.people.ada,
    options: { recipient_name: name, recipient_interest: RECIPIENT.recipientInterest, template: TEMPLATE, ...extra },
  });
  expect((await handled(cmd.id)).outcome).toBe('started');
  return discord.channelView(discord.channelId).find((m) => !before.has(m.id) && m.threadId !== undefined)!;
}

const buttonsOf = (messageId: string) => JSON.stringify(discord.message(messageId).components ?? []);

it('cancels a running generation: refused for another member, then stopped with nothing posted', async () => {
  const { ada, grace } = discord.people;
  services.anthropic.latencyFor.email = 4_000;
  const progress = await draft('Ada Running');
  const row = async () =>
    (
      await db.pool.query<{ id: string; status: string }>(
        'SELECT id, status FROM generations WHERE progress_message_id = $1',
        [progress.id],
      )
    ).rows[0];
  await expect.poll(() => row().then((r) => r?.status), { timeout: 20_000 }).toBe('running');
  const id = (await row())!.id;
  // The Cancel button is on the very first post of the progress message (its id reserved first).
  expect(JSON.stringify(discord.revisions(progress.id)[0]?.components ?? [])).toContain(`scribe:cancel:${id}`);
  await expect.poll(() => buttonsOf(progress.id), { timeout: 10_000 }).toContain(`scribe:cancel:${id}`);
  await scribe.waitForEvent({ event: 'step.saved', generationId: id, step: 'research' }, 20_000);

  const refused = discord.pressButton(progress.id, `scribe:cancel:${id}`, { user: grace });
  expect((await handled(refused.id)).outcome).toBe('not-allowed');
  // Said to Grace only: an ephemeral follow-up in the channel of the progress message.
  const refusal = new RegExp(`Only <@${ada.id}> or a member with Manage Messages can cancel it\\.`);
  expect(
    discord.channelView(discord.channelId, grace.id).find((m) => m.ephemeral && refusal.test(m.content)),
  ).toBeTruthy();
  expect(discord.channelView(discord.channelId, ada.id).some((m) => refusal.test(m.content))).toBe(false);
  expect((await row())!.status).toBe('running');

  const press = discord.pressButton(progress.id, `scribe:cancel:${id}`, { user: ada });
  expect((await handled(press.id)).outcome).toBe('cancelled');
  await scribe.waitForEvent({ event: 'generation.cancelled', generationId: id }, 10_000);
  await expect
    .poll(() => progressOf(discord.message(progress.id)).lines.join('\n'), { timeout: 10_000 })
    .toMatch(/Cancelled/);
  expect((await row())!.status).toBe('cancelled');
  expect(buttonsOf(progress.id)).not.toContain('scribe:cancel');

  // Nothing is posted later: the next generation finishes, and the cancelled thread has no email.
  services.anthropic.latencyFor.email = 0;
  const next = await draft(RECIPIENT.recipientName);
  await expect.poll(() => emails(next.threadId!).length, { timeout: 30_000, interval: 100 }).toBe(1);
  expect(emails(progress.threadId!)).toHaveLength(0);
}, 120_000);

it('/scribe fresh:true researches afresh although the research is cached', async () => {
  const exaBefore = services.exa.requests.length;
  const cached = await draft(RECIPIENT.recipientName);
  await expect.poll(() => emails(cached.threadId!).length, { timeout: 30_000, interval: 100 }).toBe(1);
  // The cache answered that one (the previous test researched the same recipient).
  expect(services.exa.requests.length).toBe(exaBefore);
  const fresh = await draft(RECIPIENT.recipientName, { fresh: true });
  await expect.poll(() => emails(fresh.threadId!).length, { timeout: 30_000, interval: 100 }).toBe(1);
  expect(services.exa.requests.length).toBeGreaterThan(exaBefore);
}, 120_000);
