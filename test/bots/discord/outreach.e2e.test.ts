/**
 * Outreach memory on Discord, end to end (`scribe start` as a child process, every service faked):
 * *Mark as sent* records the email (a second press changes nothing and says so); a new /scribe for
 * the same person warns before anything is posted or spent — no model call — and *Write anyway*
 * writes it as typed; history says sent / not sent; the export is a CSV attachment that parses
 * back, with formula cells neutralised.
 */
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FakeDiscord } from '../../fakes/discord/index.ts';
import type { TestDatabase } from '../../helpers/db.ts';
import { ADA_FORM, startDiscordService, type DiscordService } from '../../helpers/e2e.ts';
import type { ScribeProcess } from '../../helpers/scribe-process.ts';
import type { Services } from '../../helpers/services.ts';
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
const privately = (channelId: string, userId: string, pattern: RegExp) =>
  discord.channelView(channelId, userId).filter((m) => m.ephemeral && pattern.test(m.content));
const generations = async () =>
  (await db.pool.query<{ id: string; status: string }>('SELECT id, status FROM generations ORDER BY created_at')).rows;

/** /scribe through its form, for Ada Lovelace; answers the form's submission. */
async function write() {
  const cmd = discord.slashCommand({ user: discord.people.ada });
  expect((await handled(cmd.id)).outcome).toBe('modal');
  return discord.submitModal(cmd.id, ADA_FORM);
}

it('Mark as sent, then a new /scribe for the same person warns before spending; Write anyway writes; history and export', async () => {
  const { ada, grace } = discord.people;
  const channel = discord.channelId;
  const first = await write();
  expect((await handled(first.id)).outcome).toBe('started');
  const [g] = await generations();
  const progress = discord.channelView(channel).find((m) => m.threadId !== undefined)!;
  const thread = progress.threadId!;
  await expect.poll(() => emails(thread).length, { timeout: 30_000, interval: 100 }).toBe(1);
  await expect.poll(async () => (await generations())[0]?.status).toBe('succeeded');
  const result = emails(thread)[0]!;
  expect(JSON.stringify(result.components)).toContain(`scribe:sent:${g!.id}`);

  // Someone else may not mark it.
  const other = discord.pressButton(result.id, `scribe:sent:${g!.id}`, { user: grace });
  expect((await handled(other.id)).outcome).toBe('not-allowed');

  const mark = discord.pressButton(result.id, `scribe:sent:${g!.id}`, { user: ada });
  expect((await handled(mark.id)).outcome).toBe('marked-sent');
  expect(privately(thread, ada.id, /Marked as sent: version 1 to Ada Lovelace/)).toHaveLength(1);
  // Twice: a no-op, said plainly.
  const again = discord.pressButton(result.id, `scribe:sent:${g!.id}`, { user: ada });
  expect((await handled(again.id)).outcome).toBe('already-sent');
  expect(privately(thread, ada.id, /Already marked as sent on .* \(version 1\), so nothing changed/)).toHaveLength(1);
  expect((await db.pool.query('SELECT 1 FROM outreach')).rows).toHaveLength(1);

  // A new /scribe for her: the warning, before anything is posted or spent.
  const calls = services.anthropic.calls().length;
  const posts = discord.channelView(channel).filter((m) => !m.ephemeral).length;
  const second = await write();
  expect((await handled(second.id)).outcome).toBe('contacted');
  const [warning] = privately(channel, ada.id, /You emailed Ada Lovelace on .* — version 1\. Nothing was started/);
  expect(warning).toBeTruthy();
  expect(services.anthropic.calls().length).toBe(calls);
  expect(await generations()).toHaveLength(1);
  expect(discord.channelView(channel).filter((m) => !m.ephemeral)).toHaveLength(posts);

  // Write anyway: the request as typed, written.
  const anyway = discord.pressButton(
    warning!.id,
    JSON.stringify(warning!.components).match(/scribe:anyway:[0-9a-f-]{36}/)![0],
    {
      user: ada,
    },
  );
  expect((await handled(anyway.id)).outcome).toBe('anyway:started');
  await expect.poll(async () => (await generations()).length).toBe(2);
  await expect.poll(async () => (await generations())[1]?.status, { timeout: 30_000, interval: 200 }).toBe('succeeded');
  expect(services.anthropic.calls().length).toBeGreaterThan(calls);
  // The warning became the usual answer, its button gone (the kept request is taken once).
  const answered = privately(channel, ada.id, /Drafting your email to \*\*Ada Lovelace\*\*/).find(
    (m) => m.id === warning!.id,
  );
  expect(answered?.components).toEqual([]);
  expect((await db.pool.query('SELECT 1 FROM start_drafts')).rows).toHaveLength(0);

  // History: the first sent, the second not.
  const history = discord.slashCommand({ user: ada, options: { action: 'history' } });
  expect((await handled(history.id)).outcome).toBe('info:history');
  const listed = JSON.stringify(
    discord
      .channelView(channel, ada.id)
      .filter((m) => m.ephemeral)
      .at(-1)?.embeds,
  );
  expect(listed).toMatch(/📨 sent \d+ \w+/);
  expect(listed).toContain('not sent');

  // Export: a CSV file that parses back; a formula-looking cell is neutralised.
  const { rows } = await db.pool.query<{ user_id: string }>('SELECT user_id FROM outreach');
  await db.pool.query(
    `INSERT INTO outreach (user_id, generation_id, recipient_name, recipient_interest, recipient_key, name_key, interest_key, version)
     VALUES ($1, $2, '=cmd|'' /C calc''!A0', '@SUM(1+1)', 'name:x', 'x', 'y', 1)`,
    [rows[0]!.user_id, (await generations())[1]!.id],
  );
  const exportCmd = discord.slashCommand({ user: ada, options: { action: 'export' } });
  expect((await handled(exportCmd.id)).outcome).toBe('export');
  const upload = discord.rest.callsTo(/PATCH \/webhooks\//).find((c) => c.files.length > 0);
  const file = upload!.files[0]!;
  expect(file.name).toMatch(/^scribe-outreach-\d{4}-\d{2}-\d{2}\.csv$/);
  const parsed = parse(file.text!, { columns: true }) as Record<string, string>[];
  expect(parsed).toHaveLength(2);
  expect(parsed.map((r) => r.recipient).sort()).toEqual(["'=cmd|' /C calc'!A0", 'Ada Lovelace']);
  expect(parsed.find((r) => r.recipient === 'Ada Lovelace')).toMatchObject({
    interest: 'analytical engines',
    version: '1',
    follow_up: 'none',
  });
  expect(parsed.find((r) => r.recipient !== 'Ada Lovelace')?.interest).toBe("'@SUM(1+1)");
}, 150_000);
