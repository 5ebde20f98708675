/**
 * Outreach memory on Slack, end to end (`scribe start` as a child process, every service faked):
 * *Mark as sent* records the email (twice: nothing changes, and it says so); a new /scribe for the
 * same person warns privately before anything is posted or spent — no model call — and *Write
 * anyway* (a button on that private answer) writes it as typed; `/scribe history` says sent / not
 * sent; `/scribe export` uploads a CSV (files.uploadV2) that parses back, formula cells neutralised.
 */
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FakeSlack } from '../../fakes/slack/index.ts';
import type { TestDatabase } from '../../helpers/db.ts';
import { startSlackService, submitSlackForm, type SlackService } from '../../helpers/e2e.ts';
import type { Services } from '../../helpers/services.ts';
import { isSlackResult } from '../../helpers/slack-result.ts';

let slack: FakeSlack;
let services: Services;
let db: TestDatabase;
let e2e: SlackService;

beforeAll(async () => {
  e2e = await startSlackService({ env: { WORKER_CONCURRENCY: '1' } });
  ({ slack, services, db } = e2e);
});

afterAll(() => e2e?.close());

const CHANNEL = 'C0GENERAL';
const handled = (outcome: string) => e2e.scribe.waitForEvent({ event: 'request.handled', outcome }, 15_000);
const generations = async () =>
  (await db.pool.query<{ id: string; status: string }>('SELECT id, status FROM generations ORDER BY created_at')).rows;
const privately = (pattern: RegExp) => slack.ephemeralsFor('U0ADA').filter((e) => pattern.test(e.text));

it('Mark as sent, then a new /scribe for the same person warns before spending; Write anyway writes; history and export', async () => {
  await submitSlackForm(e2e);
  const progress = await slack.until(
    () => slack.messagesIn(CHANNEL).find((m) => m.fromBot && !m.streamed),
    'the progress message',
    10_000,
  );
  const result = await slack.until(
    () => slack.messagesIn(CHANNEL, progress.ts).find((m) => isSlackResult(m) && m.visible.includes('Dear Dr.')),
    'the email',
    60_000,
  );
  await expect.poll(async () => (await generations())[0]?.status, { timeout: 10_000 }).toBe('succeeded');

  await e2e.driver.clickButton({ user: 'U0GRACE', channel: CHANNEL, ts: result.ts, actionId: 'scribe_sent' });
  await handled('not-allowed');
  await e2e.driver.clickButton({ user: 'U0ADA', channel: CHANNEL, ts: result.ts, actionId: 'scribe_sent' });
  await handled('marked-sent');
  await slack.until(() => privately(/Marked as sent: version 1 to Ada Lovelace/)[0], 'the confirmation');
  await e2e.driver.clickButton({ user: 'U0ADA', channel: CHANNEL, ts: result.ts, actionId: 'scribe_sent' });
  await handled('already-sent');
  await slack.until(() => privately(/Already marked as sent on .* so nothing changed/)[0], 'the no-op said');
  expect((await db.pool.query('SELECT 1 FROM outreach')).rows).toHaveLength(1);

  // A new /scribe for her: warned privately, before anything is posted or spent.
  const calls = services.anthropic.calls().length;
  const posts = slack.messagesIn(CHANNEL).length;
  await submitSlackForm(e2e);
  await handled('contacted');
  const warning = await slack.until(
    () => privately(/You emailed Ada Lovelace on .* — version 1\. Nothing was started/)[0],
    'the warning',
  );
  expect(services.anthropic.calls().length).toBe(calls);
  expect(await generations()).toHaveLength(1);
  expect(slack.messagesIn(CHANNEL)).toHaveLength(posts);

  // Write anyway, on that private message: the block_actions of an ephemeral message.
  const button = (warning.blocks as { elements?: { action_id: string; value: string }[] }[])
    .flatMap((b) => b.elements ?? [])
    .find((e) => e.action_id === 'scribe_write_anyway')!;
  const origin = new URL(slack.apiUrl).origin;
  await e2e.driver.send('interactive', {
    type: 'block_actions',
    user: { id: 'U0ADA', username: 'ada', name: 'ada', team_id: slack.state.team.id },
    api_app_id: slack.state.bot.appId,
    token: 'fakeVerificationToken0001',
    container: { type: 'message', message_ts: '1700000000.000100', channel_id: CHANNEL, is_ephemeral: true },
    trigger_id: slack.state.issueTrigger('U0ADA'),
    team: { id: slack.state.team.id, domain: slack.state.team.domain },
    channel: { id: CHANNEL, name: 'general' },
    state: { values: {} },
    response_url: origin + slack.state.issueResponseUrl('actions', { channel: CHANNEL, user: 'U0ADA' }),
    actions: [
      {
        type: 'button',
        action_id: button.action_id,
        block_id: 'scribe_contacted_actions',
        value: button.value,
        action_ts: String(Date.now() / 1000),
      },
    ],
  });
  await handled('anyway:started');
  await slack.until(() => privately(/Writing it anyway/)[0], 'the answer');
  await expect.poll(async () => (await generations()).length).toBe(2);
  await expect.poll(async () => (await generations())[1]?.status, { timeout: 60_000, interval: 200 }).toBe('succeeded');
  expect(services.anthropic.calls().length).toBeGreaterThan(calls);

  // History: the first sent, the second not.
  await e2e.driver.slashCommand({ user: 'U0ADA', channel: CHANNEL, text: 'history' });
  const history = await slack.until(() => privately(/Your last 2 emails/)[0], 'the history');
  expect(history.text).toMatch(/📨 sent \d+ \w+/);
  expect(history.text).toContain('not sent');

  // Export: a CSV uploaded to her DM that parses back; a formula-looking cell is neutralised.
  const { rows } = await db.pool.query<{ user_id: string }>('SELECT user_id FROM outreach');
  await db.pool.query(
    `INSERT INTO outreach (user_id, generation_id, recipient_name, recipient_interest, recipient_key, name_key, interest_key, version)
     VALUES ($1, $2, '=cmd|'' /C calc''!A0', '+1-2', 'name:x', 'x', 'y', 2)`,
    [rows[0]!.user_id, (await generations())[1]!.id],
  );
  await e2e.driver.slashCommand({ user: 'U0ADA', channel: CHANNEL, text: 'export' });
  await handled('export');
  const [file] = [...slack.state.files.values()].filter((f) => f.completed);
  expect(file?.name).toMatch(/^scribe-outreach-\d{4}-\d{2}-\d{2}\.csv$/);
  const parsed = parse(file!.content!.toString('utf8'), { columns: true }) as Record<string, string>[];
  expect(parsed.map((r) => r.recipient).sort()).toEqual(["'=cmd|' /C calc'!A0", 'Ada Lovelace']);
  expect(parsed.find((r) => r.recipient === 'Ada Lovelace')).toMatchObject({
    interest: 'analytical engines',
    version: '1',
    follow_up: 'none',
  });
  expect(parsed.find((r) => r.recipient !== 'Ada Lovelace')?.interest).toBe("'+1-2");
  await slack.until(() => privately(/Your outreach CSV \(2 emails\) is in our DM/)[0], 'where the file is');
}, 180_000);
