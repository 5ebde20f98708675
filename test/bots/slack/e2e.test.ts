/**
 * Slack end to end, with Scribe started as users start it (`scribe start`, a child process) and
 * every service faked: slash command → modal → submission → progress message edited through the
 * four steps → threaded result with the email and sources → 🔁 → a second version, no new research.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import type { FakeSlack } from '../../fakes/slack/index.ts';
import type { TestDatabase } from '../../helpers/db.ts';
import { startSlackService, type SlackService } from '../../helpers/e2e.ts';
import type { ScribeProcess } from '../../helpers/scribe-process.ts';
import { NAMESAKE_PAPER } from '../../helpers/namesakes.ts';
import { composerPrompt, RECIPIENT, TEMPLATE, type Services } from '../../helpers/services.ts';
import { expectTemplateKept } from '../../helpers/template-kept.ts';
import { isSlackResult } from '../../helpers/slack-result.ts';

let slack: FakeSlack;
let services: Services;
let db: TestDatabase;
let scribe: ScribeProcess;
let e2e: SlackService;

beforeAll(async () => {
  e2e = await startSlackService();
  ({ slack, services, db, scribe } = e2e);
});

afterAll(() => e2e?.close());

it('drafts an email from /scribe to a threaded result, then regenerates it from a reaction', async () => {
  const driver = e2e.driver;
  const command = await driver.slashCommand({ user: 'U0ADA', channel: 'C0GENERAL', text: '' });
  expect(command.status).toBe(200);
  await slack.until(() => slack.views('U0ADA')[0], 'the modal');
  await driver.submitView({
    user: 'U0ADA',
    values: {
      template: TEMPLATE,
      recipient_name: RECIPIENT.recipientName,
      recipient_interest: RECIPIENT.recipientInterest,
    },
  });

  // The progress message in the channel, its thread holding the result.
  const progress = await slack.until(
    () =>
      slack
        .messagesIn('C0GENERAL')
        .find(
          (m) => m.fromBot && !m.streamed && /Drafting an email to Ada Lovelace|Email to Ada Lovelace/.test(m.visible),
        ),
    'the progress message',
    10_000,
  );
  const result = await slack.until(
    () =>
      slack
        .messagesIn('C0GENERAL', progress.ts)
        .find((m) => isSlackResult(m) && m.visible.includes('Dear Dr. Lovelace')),
    'the result in the thread',
    30_000,
  );
  // The plan's stream became the result: the email as it was written (bare markdown), then the
  // subject, each personal line again with the source it stands on, the sources and the buttons.
  expect(result.streamed).toBe(true);
  expect(result.markdown).toMatch(/^Dear Dr\. Lovelace/);
  expect(result.visible).toContain('*Subject:* About your work on analytical engines');
  expect(result.visible).toContain('• I read your recent work on analytical engines[1] with great interest.');
  expect(result.visible).toMatch(/Sources/);
  expect(result.visible).toContain('Programs for analytical engines');
  // The notification fallback holds the plain email.
  expect(result.text).toContain('I read your recent work on analytical engines with great interest.');

  // Copy as plain text: the bare email, no marks and no subject.
  // The row's email is saved after the result is posted: waited for, not read at once.
  const bare = await vi.waitFor(
    async () => {
      const { rows } = await db.pool.query<{ email: string | null }>('SELECT email FROM generations');
      const email = rows[0]?.email;
      if (!email) throw new Error('the email is not saved yet');
      return email;
    },
    { timeout: 10_000, interval: 50 },
  );
  expect(bare).not.toContain('[1]');
  expectTemplateKept(bare, TEMPLATE);
  await driver.clickButton({ user: 'U0ADA', channel: 'C0GENERAL', ts: result.ts, actionId: 'scribe_copy' });
  await slack.until(() => slack.ephemeralsFor('U0ADA').find((e) => e.text === bare), 'the bare email copied');
  // No OpenAlex key here: the result says so, and the namesake's paper (not about the interest) is not used.
  expect(result.visible).toContain('About: Ada Lovelace · identity not verified: OPENALEX_API_KEY is not set');
  expect(composerPrompt(services)).not.toContain(NAMESAKE_PAPER);

  // The progress message went through the steps in order and ended done.
  const final = await slack.until(
    () => slack.messagesIn('C0GENERAL').find((m) => m.ts === progress.ts && /ready/.test(m.visible)),
    'the final progress state',
    10_000,
  );
  const versions = final.versions.map((v) => JSON.stringify(v));
  const firstDone = (label: string) => versions.findIndex((v) => v.includes(`✅ ${label}`));
  expect(firstDone('Reading the template')).toBeGreaterThanOrEqual(0);
  expect(firstDone('Reading the template')).toBeLessThanOrEqual(firstDone('Writing the email'));
  expect(final.visible).toMatch(
    /✅ Reading the template[\s\S]*✅ Researching the web[\s\S]*✅ Finding papers on arXiv[\s\S]*✅ Writing the email/,
  );

  // The same steps as Slack's plan of task cards, streamed in the thread to the asker, the email
  // written into it, stopped as the result; the thread status set while working and cleared at the end.
  await scribe.waitForEvent({ event: 'status.cleared' });
  const plan = slack.state.list('C0GENERAL', progress.ts).find((m) => m.stream !== undefined);
  expect(plan?.stream).toMatchObject({ state: 'stopped', taskDisplayMode: 'plan', recipientUserId: 'U0ADA' });
  // Every card ends complete (the cards appear as their steps start: arXiv and the identity check
  // run side by side, so their order varies).
  expect(Object.fromEntries([...(plan?.stream?.tasks.values() ?? [])].map((t) => [t.id, t.statuses.at(-1)]))).toEqual({
    parse: 'complete',
    research: 'complete',
    identity: 'complete',
    arxiv: 'complete',
    compose: 'complete',
  });
  expect(plan?.stream?.tasks.get('research')?.sources?.length).toBeGreaterThan(0);
  expect(plan?.ts).toBe(result.ts);
  expect(result.markdown).toBe(bare);
  const statuses = slack.state.threadStatuses.get(`C0GENERAL:${progress.ts}`)?.history.map((h) => h.status) ?? [];
  expect(statuses.some((st) => st.startsWith('is '))).toBe(true);
  expect(statuses.at(-1)).toBe('');

  // 🔁 by the requester: version 2 in the same thread, with no new search, page or arXiv request.
  const before = {
    exa: services.exa.requests.length,
    arxiv: services.arxiv.requests.length,
    pages: services.pages.requests.length,
  };
  await driver.react({ user: 'U0ADA', channel: 'C0GENERAL', ts: result.ts, reaction: 'repeat' });
  await slack.until(
    () =>
      slack
        .messagesIn('C0GENERAL', progress.ts)
        .filter((m) => isSlackResult(m) && m.visible.includes('Dear Dr. Lovelace')).length >= 2,
    'the second version',
    30_000,
  );
  expect({
    exa: services.exa.requests.length,
    arxiv: services.arxiv.requests.length,
    pages: services.pages.requests.length,
  }).toEqual(before);

  // Someone else's 🔁 is ignored.
  const latest = slack
    .messagesIn('C0GENERAL', progress.ts)
    .filter((m) => isSlackResult(m) && m.visible.includes('Dear Dr. Lovelace'))
    .at(-1)!;
  const react = await driver.react({ user: 'U0GRACE', channel: 'C0GENERAL', ts: latest.ts, reaction: 'repeat' });
  expect(react.status).toBe(200);
  const handled = await scribe.waitForEvent({ event: 'request.handled', id: react.eventId });
  expect(handled.outcome).toMatch(/ignored|not.?allowed/i);
  const { rows } = await db.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM generations');
  expect(rows[0]?.n).toBe(2);
}, 90_000);

it('runs as a process that answers chat: its API libraries loaded before it took requests, the quiet collector on', () => {
  // boot.ts gives `scribe start` --expose-gc; bots.ts starts quiet-gc.ts with it (a collection
  // itself needs 500 ms of quiet and 4 MB of growth: quiet-gc.test.ts).
  expect(scribe.events({ event: 'gc.quiet_started' })).toHaveLength(1);
  const [preloaded] = scribe.events({ event: 'worker.clients_preloaded' });
  expect(preloaded).toMatchObject({ libraries: ['@anthropic-ai/sdk', 'exa-js'] });
});
