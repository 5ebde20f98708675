/**
 * Editing and reviewing on Slack, end to end: `scribe start` as a child process, every service
 * faked. *Edit* posts the edited text exactly as a new version (one, on a double submit), with the
 * email checks' problems shown when a placeholder is left; "Let me review the research first"
 * stops after step 3, *Edit research* changes what the composer receives, and *Write the email*
 * writes it with no new parser, Exa or arXiv calls. Another person's click on each new button is
 * refused with a message only they see. Also: Cancel on the very first progress message, and a
 * Cancel after the email was posted does nothing and says so.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FakeSlack } from '../../fakes/slack/index.ts';
import type { TestDatabase } from '../../helpers/db.ts';
import { startSlackService, type SlackService } from '../../helpers/e2e.ts';
import { RECIPIENT, TEMPLATE, type Services } from '../../helpers/services.ts';
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
const driver = () => e2e.driver;

/** Runs /scribe and submits the form (the review checkbox ticked or not); answers the progress message's ts. */
async function draft(review?: boolean): Promise<string> {
  const before = new Set(slack.messagesIn(CHANNEL).map((m) => m.ts));
  await driver().slashCommand({ user: 'U0ADA', channel: CHANNEL, text: '' });
  await slack.until(() => slack.views('U0ADA')[0], 'the modal');
  await driver().submitView({
    user: 'U0ADA',
    values: {
      template: TEMPLATE,
      recipient_name: RECIPIENT.recipientName,
      recipient_interest: RECIPIENT.recipientInterest,
      ...(review === undefined ? {} : { review_research: review ? 'review' : '' }),
    },
  });
  const progress = await slack.until(
    () => slack.messagesIn(CHANNEL).find((m) => m.fromBot && !m.streamed && !before.has(m.ts)),
    'the progress message',
    10_000,
  );
  return progress.ts;
}

const emailsIn = (threadTs: string) =>
  slack.messagesIn(CHANNEL, threadTs).filter((m) => isSlackResult(m) && m.visible.includes('Dear Dr.'));
const reviewsIn = (threadTs: string) =>
  slack
    .messagesIn(CHANNEL, threadTs)
    .filter((m) => m.fromBot && !m.streamed && JSON.stringify(m.blocks ?? []).includes('scribe_write'));
const row = async (where: string, value: string) =>
  (
    await db.pool.query<{
      id: string;
      status: string;
      email: string | null;
      parent_id: string | null;
      edited_by: string | null;
      action: string | null;
      version: number;
      steps: { research?: { output?: { summary?: string } } };
    }>(`SELECT * FROM generations WHERE ${where} = $1 ORDER BY created_at`, [value])
  ).rows;
const refusedTo = (user: string, pattern: RegExp) =>
  slack.until(() => slack.ephemeralsFor(user).find((e) => pattern.test(e.text)), `a refusal to ${user}: ${pattern}`);
/** The newest open modal of a person with that callback id. */
const openView = (user: string, callbackId: string) =>
  slack.until(
    () => slack.views(user).find((v) => v.view.callback_id === callbackId),
    `the ${callbackId} modal for ${user}`,
  );
const initialValue = (view: { view: { blocks: unknown[] } }) =>
  (view.view.blocks[0] as { element?: { initial_value?: string } }).element?.initial_value;

it('puts a Cancel button on the first progress message; a cancel after the email was posted does nothing and says so', async () => {
  const posts = slack.callsTo('chat.postMessage').length;
  const ts = await draft();
  // The very first post of the progress message carries the reserved id's Cancel button.
  const first = slack.callsTo('chat.postMessage').slice(posts)[0];
  expect(JSON.stringify(first?.args.blocks)).toContain('scribe_cancel');
  // A stale Cancel (a client that has not refreshed): the payload of a press while it waited.
  const stale = await driver().clickButton({ user: 'U0GRACE', channel: CHANNEL, ts, actionId: 'scribe_cancel' });
  await refusedTo('U0GRACE', /Only <@U0ADA>.*can cancel it/);
  await slack.until(() => emailsIn(ts).length === 1, 'the email', 60_000);
  await expect
    .poll(async () => (await row('progress_message_id', ts))[0]?.status, { timeout: 10_000 })
    .toBe('succeeded');
  // Pressed by Ada this time, with a response URL of her own.
  const origin = new URL(String(stale.payload.response_url)).origin;
  const responseUrl =
    origin + slack.state.issueResponseUrl('actions', { channel: CHANNEL, user: 'U0ADA', messageTs: ts });
  const payload = {
    ...stale.payload,
    user: { ...(stale.payload.user as object), id: 'U0ADA' },
    response_url: responseUrl,
  };
  await driver().send('interactive', payload);
  await refusedTo('U0ADA', /Too late to cancel: the email was already posted, so nothing changed/);
  expect((await row('progress_message_id', ts))[0]?.status).toBe('succeeded');
  expect(emailsIn(ts)).toHaveLength(1);
}, 120_000);

it('Edit posts the edited text exactly as a new version, once; a placeholder left is shown; others are refused', async () => {
  const ts = await draft();
  const [result] = await slack.until(() => (emailsIn(ts).length ? emailsIn(ts) : undefined), 'the email', 60_000);
  await expect
    .poll(async () => (await row('progress_message_id', ts))[0]?.status, { timeout: 10_000 })
    .toBe('succeeded');
  const [parent] = await row('progress_message_id', ts);
  expect(parent?.email).toBeTruthy();

  // Another person: refused before any form opens, said to them only.
  await driver().clickButton({ user: 'U0GRACE', channel: CHANNEL, ts: result!.ts, actionId: 'scribe_edit' });
  await refusedTo('U0GRACE', /Only <@U0ADA> or a workspace admin can edit it\./);
  expect(slack.views('U0GRACE').some((v) => v.view.callback_id === 'scribe_edit')).toBe(false);

  await driver().clickButton({ user: 'U0ADA', channel: CHANNEL, ts: result!.ts, actionId: 'scribe_edit' });
  const form = await openView('U0ADA', 'scribe_edit');
  expect(initialValue(form)).toBe(parent!.email);
  const edited = `${parent!.email}\n\nP.S. Written by hand: &, "quotes" and *stars* stay as typed.`.replace(
    'Best regards,',
    'Warm regards,\nBest regards,',
  );
  const submitted = await driver().submitView({ user: 'U0ADA', viewId: form.id, values: { email: edited } });
  // A double submit: the same payload delivered again.
  await driver().send('interactive', submitted.payload);
  await slack.until(() => emailsIn(ts).length === 2, 'the edited version', 20_000);
  const version = emailsIn(ts)[1]!;
  expect(version.visible).toContain('version 2, edited by <@U0ADA>');
  await refusedTo('U0ADA', /Version 2 — edited by you — is in the thread\./);
  const children = await row('parent_id', parent!.id);
  expect(children).toHaveLength(1);
  expect(children[0]).toMatchObject({ status: 'succeeded', action: 'edit', version: 2, email: edited });
  expect(children[0]!.edited_by).not.toBeNull();
  // Exactly the text: Copy on the edited version gives it back character for character.
  await driver().clickButton({ user: 'U0ADA', channel: CHANNEL, ts: version.ts, actionId: 'scribe_copy' });
  await slack.until(() => slack.ephemeralsFor('U0ADA').find((e) => e.text === edited), 'the edited text copied');
  // Both deliveries of the form are handled, and the second started nothing: no third email comes.
  const outcomes = () => e2e.scribe.events({ event: 'request.handled', id: form.id }).map((l) => String(l.outcome));
  await expect.poll(() => outcomes().sort(), { timeout: 10_000 }).toEqual(['duplicate', 'edited']);
  expect(emailsIn(ts)).toHaveLength(2);

  // Edited again with a placeholder left: posted, with the problem shown (never silently accepted).
  await driver().clickButton({ user: 'U0ADA', channel: CHANNEL, ts: version.ts, actionId: 'scribe_edit' });
  const again = await openView('U0ADA', 'scribe_edit');
  expect(initialValue(again)).toBe(edited);
  const withPlaceholder = `${edited}\n\nI also enjoyed [their research topic].`;
  await driver().submitView({ user: 'U0ADA', viewId: again.id, values: { email: withPlaceholder } });
  await slack.until(() => emailsIn(ts).length === 3, 'the third version', 20_000);
  const third = emailsIn(ts)[2]!;
  expect(third.visible).toContain('Draft — check before sending');
  expect(third.visible).toContain('Placeholders left unfilled: [their research topic].');
  await refusedTo('U0ADA', /Version 3 — edited by you — is in the thread\.[\s\S]*Placeholders left unfilled/);
  expect((await row('parent_id', children[0]!.id))[0]).toMatchObject({ version: 3, email: withPlaceholder });

  // History lists the edited versions.
  await driver().slashCommand({ user: 'U0ADA', channel: CHANNEL, text: 'history' });
  const history = await slack.until(
    () => slack.ephemeralsFor('U0ADA').find((e) => e.text.includes('Your last')),
    'the history',
  );
  expect(history.text).toContain('(version 3)');
}, 150_000);

it('reviews the research first: stops after step 3, Edit research feeds the composer, Write the email adds no research calls', async () => {
  const composed = services.anthropic.callsFor('email').length;
  const ts = await draft(true);
  const [paused] = await slack.until(() => (reviewsIn(ts).length ? reviewsIn(ts) : undefined), 'the review', 60_000);
  await expect
    .poll(async () => (await row('progress_message_id', ts))[0]?.status, { timeout: 10_000 })
    .toBe('awaiting_review');
  expect(services.anthropic.callsFor('email').length).toBe(composed);
  expect(emailsIn(ts)).toHaveLength(0);
  expect(paused!.visible).toContain('Sources');
  const [generation] = await row('progress_message_id', ts);
  expect(paused!.visible).toContain(generation!.steps.research!.output!.summary!.slice(0, 40));

  // The choice is remembered for the next form; history and the progress message say it waits.
  const { rows: users } = await db.pool.query<{ review_research: boolean }>(
    "SELECT review_research FROM users WHERE platform_user_id = 'U0ADA'",
  );
  expect(users[0]?.review_research).toBe(true);
  await driver().slashCommand({ user: 'U0ADA', channel: CHANNEL, text: 'history' });
  await slack.until(
    () => slack.ephemeralsFor('U0ADA').find((e) => e.text.includes('👀 waiting for your review')),
    'history listing the review',
  );
  await driver().slashCommand({ user: 'U0ADA', channel: CHANNEL, text: '' });
  const next = await openView('U0ADA', 'scribe_draft');
  expect(JSON.stringify(next.view.blocks)).toContain('initial_options');
  slack.state.views.get(next.id)!.state = 'closed';

  // Another person's Write the email and Edit research: refused, to them only, nothing changes.
  await driver().clickButton({ user: 'U0GRACE', channel: CHANNEL, ts: paused!.ts, actionId: 'scribe_write' });
  await refusedTo('U0GRACE', /Only <@U0ADA> or a workspace admin can have it written\./);
  await driver().clickButton({ user: 'U0GRACE', channel: CHANNEL, ts: paused!.ts, actionId: 'scribe_research' });
  await refusedTo('U0GRACE', /Only <@U0ADA> or a workspace admin can edit the research\./);
  expect(slack.views('U0GRACE').some((v) => v.view.callback_id === 'scribe_research')).toBe(false);
  expect((await row('progress_message_id', ts))[0]?.status).toBe('awaiting_review');

  // Edit research: prefilled with the summary; saving replaces it and says so.
  await driver().clickButton({ user: 'U0ADA', channel: CHANNEL, ts: paused!.ts, actionId: 'scribe_research' });
  const form = await openView('U0ADA', 'scribe_research');
  expect(initialValue(form)).toBe(generation!.steps.research!.output!.summary);
  const summary = 'EDITED BY ADA: she designs looms that compute [1].';
  await driver().submitView({ user: 'U0ADA', viewId: form.id, values: { summary } });
  await refusedTo('U0ADA', /Saved: your edited research replaces the summary/);
  await slack.until(() => reviewsIn(ts).length === 2, 'the edited research in the thread', 10_000);
  expect(reviewsIn(ts)[1]!.visible).toContain('edited by <@U0ADA>');
  expect((await row('progress_message_id', ts))[0]?.steps.research?.output?.summary).toBe(summary);

  // Write the email: step 4 only, from the edited summary.
  const before = {
    parse: services.anthropic.callsFor('parsed_template').length,
    research: services.anthropic.callsFor('research_summary').length,
    exa: services.exa.requests.length,
    arxiv: services.arxiv.requests.length,
  };
  await driver().clickButton({ user: 'U0ADA', channel: CHANNEL, ts: reviewsIn(ts)[1]!.ts, actionId: 'scribe_write' });
  await slack.until(() => emailsIn(ts).length === 1, 'the email after the review', 60_000);
  expect({
    parse: services.anthropic.callsFor('parsed_template').length,
    research: services.anthropic.callsFor('research_summary').length,
    exa: services.exa.requests.length,
    arxiv: services.arxiv.requests.length,
  }).toEqual(before);
  const compose = services.anthropic.callsFor('email').slice(composed);
  expect(compose.length).toBeGreaterThan(0);
  expect(compose.every((c) => JSON.stringify(c.messages).includes('EDITED BY ADA'))).toBe(true);
  await expect
    .poll(async () => (await row('progress_message_id', ts))[0]?.status, { timeout: 10_000 })
    .toBe('succeeded');
}, 150_000);
