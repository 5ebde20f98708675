/**
 * Follow-up reminders on Slack, end to end (`scribe start` as a child process, every service
 * faked; FOLLOW_UP_DAYS a few seconds): *Remind me* on the email marks it sent and schedules the
 * reminder; Scribe restarts before it is due; the follow-up draft is posted in the thread once,
 * after the delay, by the new process (one model call, priced into the spend ledger). *Got a reply*
 * before the time: nothing posted. The quota used up when it comes due: the thread says so, no draft.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FakeSlack } from '../../fakes/slack/index.ts';
import { questionOf } from '../../fakes/anthropic.ts';
import type { TestDatabase } from '../../helpers/db.ts';
import { startSlackService, submitSlackForm, type SlackService } from '../../helpers/e2e.ts';
import type { Services } from '../../helpers/services.ts';
import { isSlackResult } from '../../helpers/slack-result.ts';

let slack: FakeSlack;
let services: Services;
let db: TestDatabase;
let e2e: SlackService;

/** Long enough for a restart to happen well before it is due; short enough for a test. */
const DELAY_S = 12;

beforeAll(async () => {
  e2e = await startSlackService({
    // Quota 3: the email (1), its follow-up (2), a regenerated version (3); the next follow-up is one too many.
    env: { WORKER_CONCURRENCY: '1', FOLLOW_UP_DAYS: String(DELAY_S / 86_400), SCRIBE_DAILY_QUOTA: '3' },
  });
  ({ slack, services, db } = e2e);
});

afterAll(() => e2e?.close());

const CHANNEL = 'C0GENERAL';
/** The n-th time a request was handled by the running process (its log is searched from its start). */
const nth = async (match: Record<string, unknown>, n = 1, timeoutMs = 30_000) =>
  expect
    .poll(() => e2e.scribe.events({ event: 'request.handled', ...match }).length, { timeout: timeoutMs, interval: 100 })
    .toBeGreaterThanOrEqual(n);
const logged = (event: string, fields: Record<string, unknown> = {}) => e2e.scribe.events({ event, ...fields });
const privately = (pattern: RegExp) => slack.ephemeralsFor('U0ADA').filter((e) => pattern.test(e.text));
const followUps = (thread: string) =>
  slack
    .messagesIn(CHANNEL, thread)
    .filter((m) => m.fromBot && !m.streamed && /No reply from Ada Lovelace since/.test(m.visible));
const followUpCalls = () => services.anthropic.calls().filter((c) => questionOf(c) === 'follow_up');
const outreach = async () =>
  (
    await db.pool.query<{ follow_up: string; follow_up_usd: string | null; version: number }>(
      'SELECT follow_up, follow_up_usd, version FROM outreach ORDER BY version',
    )
  ).rows;

it('Remind me → restart → the follow-up posted once after the delay; Got a reply → nothing; quota used up → told, no draft', async () => {
  await submitSlackForm(e2e);
  const progress = await slack.until(
    () => slack.messagesIn(CHANNEL).find((m) => m.fromBot && !m.streamed),
    'the progress message',
  );
  const thread = progress.ts;
  const first = await slack.until(
    () => slack.messagesIn(CHANNEL, thread).find((m) => isSlackResult(m) && m.visible.includes('Dear Dr.')),
    'the email',
    60_000,
  );
  expect(JSON.stringify(first.blocks)).toContain('scribe_remind');
  // Its buttons act once the worker has recorded it (the plan's stream is the result as soon as it stops).
  await e2e.scribe.waitForEvent({ event: 'generation.succeeded' });

  // Someone else may not set her reminder.
  await e2e.driver.clickButton({ user: 'U0GRACE', channel: CHANNEL, ts: first.ts, actionId: 'scribe_remind' });
  await nth({ outcome: 'not-allowed' });
  await e2e.driver.clickButton({ user: 'U0ADA', channel: CHANNEL, ts: first.ts, actionId: 'scribe_remind' });
  await nth({ outcome: 'reminder-set' });
  await slack.until(() => privately(/Marked as sent, and I’ll post a short follow-up here on/)[0], 'the confirmation');
  expect(await outreach()).toMatchObject([{ follow_up: 'scheduled', version: 1 }]);

  // A restart before it is due: the reminder survives it (pg-boss's job, the row's state).
  await e2e.restart();
  expect(followUps(thread)).toHaveLength(0);
  expect(followUpCalls()).toHaveLength(0);
  await e2e.scribe.waitForEvent({ event: 'follow-up.posted' }, (DELAY_S + 20) * 1_000);
  const [posted] = await slack.until(() => (followUps(thread).length ? followUps(thread) : undefined), 'the follow-up');
  expect(posted!.visible).toMatch(/Here is a follow-up you can send/);
  expect(posted!.visible).toContain('I am following up on my email of');
  expect(posted!.visible.split(/\s+/).length).toBeLessThan(130);
  expect(followUpCalls()).toHaveLength(1);
  const rows = await outreach();
  expect(rows[0]).toMatchObject({ follow_up: 'posted' });
  expect(Number(rows[0]!.follow_up_usd)).toBeGreaterThan(0);

  // Version 2 (the quota's 3rd slot), Remind me, then Got a reply before the time: nothing is posted.
  await e2e.driver.clickButton({ user: 'U0ADA', channel: CHANNEL, ts: first.ts, actionId: 'scribe_regenerate' });
  const second = await slack.until(
    () =>
      slack
        .messagesIn(CHANNEL, thread)
        .find((m) => isSlackResult(m) && m.ts !== first.ts && m.visible.includes('Dear Dr.')),
    'version 2',
    60_000,
  );
  await expect
    .poll(() => logged('generation.succeeded').length, { timeout: 10_000, interval: 100 })
    .toBeGreaterThanOrEqual(1); // the restarted process's first
  await e2e.driver.clickButton({ user: 'U0ADA', channel: CHANNEL, ts: second.ts, actionId: 'scribe_remind' });
  await nth({ outcome: 'reminder-set' }, 1); // the restarted process's first
  await e2e.driver.clickButton({ user: 'U0ADA', channel: CHANNEL, ts: second.ts, actionId: 'scribe_replied' });
  await nth({ outcome: 'reminder-stopped' });
  await slack.until(() => privately(/Glad they answered/)[0], 'the answer to Got a reply');
  await expect
    .poll(() => logged('follow-up.skipped', { state: 'replied' }).length, {
      timeout: (DELAY_S + 20) * 1_000,
      interval: 200,
    })
    .toBe(1);
  expect(followUps(thread)).toHaveLength(1);
  expect(followUpCalls()).toHaveLength(1);

  // Remind me again: when it comes due the quota (3) is used up — said in the thread, no model call.
  await e2e.driver.clickButton({ user: 'U0ADA', channel: CHANNEL, ts: second.ts, actionId: 'scribe_remind' });
  await nth({ outcome: 'reminder-set' }, 2);
  await e2e.scribe.waitForEvent({ event: 'follow-up.held', reason: 'quota' }, (DELAY_S + 20) * 1_000);
  await slack.until(
    () => followUps(thread).find((m) => /no draft was written: you have used your 3 emails for today/.test(m.visible)),
    'the quota notice',
  );
  expect(followUps(thread)).toHaveLength(2);
  expect(followUpCalls()).toHaveLength(1);
  expect((await outreach())[1]).toMatchObject({ follow_up: 'held' });
}, 240_000);
