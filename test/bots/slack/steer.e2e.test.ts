/**
 * Steering a draft on Slack, end to end: `scribe start` as a child process on concurrency 1, every
 * service faked. Queue positions shown and moved; Cancel of a queued and of a running generation
 * (nothing posted afterwards, rows `cancelled`, the quota given back only for the one never
 * started); another person's click refused with a message only they see; Retry after a failure in step 4 resumes with no new
 * parser, Exa or arXiv calls; Fresh research makes new Exa calls and replaces the cache.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OVERLOADED } from '../../fakes/anthropic.ts';
import type { FakeSlack } from '../../fakes/slack/index.ts';
import type { TestDatabase } from '../../helpers/db.ts';
import { startSlackService, type SlackService } from '../../helpers/e2e.ts';
import { pollFor } from '../../helpers/poll.ts';
import type { ScribeProcess } from '../../helpers/scribe-process.ts';
import { RECIPIENT, TEMPLATE, type Services } from '../../helpers/services.ts';
import { isSlackResult } from '../../helpers/slack-result.ts';

let slack: FakeSlack;
let services: Services;
let db: TestDatabase;
let scribe: ScribeProcess;
let e2e: SlackService;
const QUOTA = 6;

beforeAll(async () => {
  e2e = await startSlackService({ env: { WORKER_CONCURRENCY: '1', SCRIBE_DAILY_QUOTA: String(QUOTA) } });
  ({ slack, services, db, scribe } = e2e);
});

afterAll(() => e2e?.close());

const CHANNEL = 'C0GENERAL';
const driver = () => e2e.driver;

/** Runs /scribe and submits the form; answers the new progress message's ts. */
async function draft(name: string): Promise<string> {
  const before = new Set(slack.messagesIn(CHANNEL).map((m) => m.ts));
  await driver().slashCommand({ user: 'U0ADA', channel: CHANNEL, text: '' });
  await slack.until(() => slack.views('U0ADA')[0], 'the modal');
  await driver().submitView({
    user: 'U0ADA',
    values: { template: TEMPLATE, recipient_name: name, recipient_interest: RECIPIENT.recipientInterest },
  });
  const progress = await slack.until(
    () =>
      slack.messagesIn(CHANNEL).find((m) => m.fromBot && !m.streamed && !before.has(m.ts) && m.visible.includes(name)),
    `the progress message for ${name}`,
    10_000,
  );
  return progress.ts;
}

const message = (ts: string) => slack.messagesIn(CHANNEL).find((m) => m.ts === ts)!;
const hasButton = (ts: string, actionId: string) => JSON.stringify(message(ts).blocks ?? []).includes(actionId);
/** The row of a progress message (recorded just after the message is posted). */
const rowByProgress = (ts: string) =>
  pollFor(
    async () =>
      (
        await db.pool.query<{ id: string; status: string; cancelled_by: string | null }>(
          'SELECT id, status, cancelled_by FROM generations WHERE progress_message_id = $1',
          [ts],
        )
      ).rows[0],
    { message: `a generation row for progress message ${ts}` },
  );
const emailsIn = (threadTs: string) =>
  slack.messagesIn(CHANNEL, threadTs).filter((m) => isSlackResult(m) && m.visible.includes('Dear Dr.'));

it('shows queue positions, cancels queued and running generations, refuses others, gives the quota back', async () => {
  // Writing takes 4 s, so the first generation holds the only worker slot while the others wait.
  services.anthropic.latencyFor.email = 4_000;
  const a = await draft('Ada Running');
  await scribe.waitForEvent({ event: 'step.saved', step: 'parse' }, 20_000);
  const b = await draft('Bea Next');
  const c = await draft('Cy Second');
  const d = await draft('Di Third');

  // Where each stands, with a Cancel button (the worker's queue board edits them).
  await slack.until(() => /Next in line/.test(message(b).visible), 'B next in line', 15_000);
  await slack.until(() => /2nd in line/.test(message(c).visible), 'C 2nd in line', 15_000);
  await slack.until(() => /3rd in line/.test(message(d).visible), 'D 3rd in line', 15_000);
  await slack.until(() => hasButton(c, 'scribe_cancel'), 'a Cancel button on C', 15_000);

  // Someone else's Cancel: refused, said to them only, nothing changes.
  const refused = await driver().clickButton({ user: 'U0GRACE', channel: CHANNEL, ts: c, actionId: 'scribe_cancel' });
  expect(refused.status).toBe(200);
  await slack.until(
    () => slack.ephemeralsFor('U0GRACE').find((e) => /Only <@U0ADA>.*can cancel it/.test(e.text)),
    'the refusal, to Grace only',
  );
  expect(slack.ephemeralsFor('U0ADA').some((e) => /can cancel it/.test(e.text))).toBe(false);
  expect((await rowByProgress(c)).status).toBe('queued');

  // Cancel the queued C (twice: a double click): cancelled once, pg-boss's job cancelled, D moves up.
  await Promise.all([
    driver().clickButton({ user: 'U0ADA', channel: CHANNEL, ts: c, actionId: 'scribe_cancel' }),
    driver().clickButton({ user: 'U0ADA', channel: CHANNEL, ts: c, actionId: 'scribe_cancel' }),
  ]);
  await slack.until(() => /Cancelled/.test(message(c).visible), 'C says Cancelled', 10_000);
  const cRow = await rowByProgress(c);
  expect(cRow.status).toBe('cancelled');
  expect(cRow.cancelled_by).not.toBeNull();
  const { rows: cJobs } = await db.pool.query<{ state: string }>(
    "SELECT state FROM pgboss.job WHERE name = 'scribe.generate' AND singleton_key = $1",
    [cRow.id],
  );
  expect(cJobs.map((j) => j.state)).toEqual(['cancelled']);
  await slack.until(() => /2nd in line/.test(message(d).visible), 'D moves up to 2nd', 15_000);

  // Cancel the running A, mid-compose: the worker stops, A posts nothing, B starts.
  await slack.until(() => hasButton(a, 'scribe_cancel'), 'a Cancel button on A');
  await driver().clickButton({ user: 'U0ADA', channel: CHANNEL, ts: a, actionId: 'scribe_cancel' });
  await scribe.waitForEvent({ event: 'generation.cancelled' }, 10_000);
  await slack.until(() => /Cancelled/.test(message(a).visible), 'A says Cancelled', 10_000);
  expect((await rowByProgress(a)).status).toBe('cancelled');
  expect(hasButton(a, 'scribe_cancel')).toBe(false);
  // B took A's slot (its email takes 4 s): D, waiting, is told it is next.
  await slack.until(() => /Next in line/.test(message(d).visible), 'D moves up to next once B runs', 10_000);

  services.anthropic.latencyFor.email = 0;
  await slack.until(() => emailsIn(b).length === 1 && emailsIn(d).length === 1, 'B and D written', 60_000);
  expect(emailsIn(a)).toHaveLength(0);
  expect(emailsIn(c)).toHaveLength(0);

  // The quota: 4 asked for, C cancelled before any model call (its slot is back), A cancelled
  // mid-compose after its research was paid for (its slot is not) → 3 used. History shows both.
  await driver().slashCommand({ user: 'U0ADA', channel: CHANNEL, text: 'status' });
  await slack.until(
    () => slack.ephemeralsFor('U0ADA').find((e) => e.text.includes(`Your quota: ${QUOTA - 3} of ${QUOTA}`)),
    'the quota given back for C only',
  );
  await driver().slashCommand({ user: 'U0ADA', channel: CHANNEL, text: 'history' });
  const history = await slack.until(
    () => slack.ephemeralsFor('U0ADA').find((e) => e.text.includes('Your last')),
    'the history',
  );
  expect(history.text.match(/🚫 cancelled/g)).toHaveLength(2);
}, 150_000);

it('retries a failure in step 4 from its checkpoint: no new parser, Exa or arXiv calls', async () => {
  // One try per job, so the failure is final at once (the queue's policy is read when a job is sent).
  await db.pool.query("UPDATE pgboss.queue SET retry_limit = 0 WHERE name = 'scribe.generate'");
  services.anthropic.latencyFor.email = 1_500;
  const ts = await draft('Eve Retry');
  const row = await rowByProgress(ts);
  await scribe.waitForEvent({ event: 'step.saved', generationId: row.id, step: 'arxiv' }, 30_000);
  await scribe.waitForEvent({ event: 'step.saved', generationId: row.id, step: 'research' }, 30_000);
  services.anthropic.failNext(Array.from({ length: 20 }, () => OVERLOADED));
  await slack.until(() => hasButton(ts, 'scribe_retry'), 'a Retry button after the failure', 60_000);
  services.anthropic.clearFailures();
  services.anthropic.latencyFor.email = 0;
  expect((await rowByProgress(ts)).status).toBe('failed');

  const before = {
    parse: services.anthropic.callsFor('parsed_template').length,
    exa: services.exa.requests.length,
    arxiv: services.arxiv.requests.length,
  };
  await driver().clickButton({ user: 'U0ADA', channel: CHANNEL, ts, actionId: 'scribe_retry' });
  await slack.until(() => emailsIn(ts).length === 1, 'the email after the retry', 60_000);
  expect({
    parse: services.anthropic.callsFor('parsed_template').length,
    exa: services.exa.requests.length,
    arxiv: services.arxiv.requests.length,
  }).toEqual(before);
  await expect.poll(async () => (await rowByProgress(ts)).status, { timeout: 10_000 }).toBe('succeeded');
}, 150_000);

it('Fresh research makes new Exa calls and replaces the cached research', async () => {
  const ts = await draft(RECIPIENT.recipientName);
  const [result] = await slack.until(() => (emailsIn(ts).length ? emailsIn(ts) : undefined), 'the first email', 60_000);
  // Its buttons act once the worker has recorded it (the plan's stream is the result as soon as it stops).
  await expect.poll(async () => (await rowByProgress(ts)).status, { timeout: 10_000 }).toBe('succeeded');
  const cached = async () =>
    new Map(
      (await db.pool.query<{ key: string; created_at: Date }>('SELECT key, created_at FROM research_cache')).rows.map(
        (r) => [r.key, r.created_at.getTime()],
      ),
    );
  const first = await cached();
  const exaBefore = services.exa.requests.length;
  await driver().clickButton({ user: 'U0ADA', channel: CHANNEL, ts: result!.ts, actionId: 'scribe_fresh' });
  await slack.until(() => emailsIn(ts).length === 2, 'the fresh version', 60_000);
  expect(services.exa.requests.length).toBeGreaterThan(exaBefore);
  // The same entry, written again: one key's research replaced, none added.
  const after = await cached();
  expect([...after.keys()].sort()).toEqual([...first.keys()].sort());
  expect([...after].filter(([key, at]) => at > first.get(key)!)).toHaveLength(1);
}, 120_000);
