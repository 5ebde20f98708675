/**
 * "Which Ada Lovelace?" on Slack end to end (issue 20): `scribe start` as a child process, two Ada
 * Lovelaces in the fake OpenAlex too close to tell apart (test/helpers/namesakes.ts,
 * `closeNamesakes`). The worker stops with `awaiting_identity` and asks in the thread, a line and a
 * button per candidate and "None of these"; only the requester may answer; the answer writes the
 * email with no new parser, Exa, arXiv or OpenAlex call and only the chosen person's papers; a
 * second click changes nothing and says so; Fresh research keeps the answer; "None of these"
 * writes without papers and says so; in a batch the ambiguous row waits (❓) while the others
 * finish, and resumes alone when answered; Cancel stops a row that waits.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FakeSlack } from '../../fakes/slack/index.ts';
import type { TestDatabase } from '../../helpers/db.ts';
import { startSlackService, submitSlackForm, type SlackService } from '../../helpers/e2e.ts';
import {
  ADA_JOURNAL_PAPER,
  CLOSE_ADA_PAPER,
  CLOSE_NAMESAKE_PAPER,
  closeNamesakes,
  NAMESAKE_PAPER,
} from '../../helpers/namesakes.ts';
import { composerPrompt, OPENALEX_TEST_KEY, TEMPLATE, type Services } from '../../helpers/services.ts';
import { isSlackResult } from '../../helpers/slack-result.ts';

let slack: FakeSlack;
let services: Services;
let db: TestDatabase;
let e2e: SlackService;

beforeAll(async () => {
  // No research cache: each test's email researches (and asks) afresh.
  e2e = await startSlackService({ env: { OPENALEX_API_KEY: OPENALEX_TEST_KEY, RESEARCH_CACHE_TTL: '0s' } });
  ({ slack, services, db } = e2e);
  Object.assign(services.openalex, closeNamesakes());
});

afterAll(() => e2e?.close());

const CHANNEL = 'C0GENERAL';
const ADA_LINE = `Babbage College · Analytical engines · “${CLOSE_ADA_PAPER}” (2024)`;
const NAMESAKE_LINE = `University of Leeds · Analytical engines · “${CLOSE_NAMESAKE_PAPER}” (2024)`;

const questionsIn = (threadTs: string) =>
  slack
    .messagesIn(CHANNEL, threadTs)
    .filter((m) => m.fromBot && !m.streamed && JSON.stringify(m.blocks ?? []).includes('scribe_choose.'));
const emailsIn = (threadTs: string) =>
  slack.messagesIn(CHANNEL, threadTs).filter((m) => isSlackResult(m) && m.visible.includes('Dear Dr.'));
const statusOf = async (id: string) =>
  (await db.pool.query<{ status: string }>('SELECT status FROM generations WHERE id = $1', [id])).rows[0]?.status;
const toldTo = (user: string, pattern: RegExp) =>
  slack.until(() => slack.ephemeralsFor(user).find((e) => pattern.test(e.text)), `a reply to ${user}: ${pattern}`);
const calls = () => ({
  parse: services.anthropic.callsFor('parsed_template').length,
  exa: services.exa.requests.length,
  arxiv: services.arxiv.requests.length,
  openalex: services.openalex.requests.length,
});
const click = (user: string, ts: string, actionId: string) =>
  e2e.driver.clickButton({ user, channel: CHANNEL, ts, actionId });

/** Asks for Ada's email and waits for the question; answers the progress ts, the question and the row id. */
async function untilAsked() {
  const before = new Set(slack.messagesIn(CHANNEL).map((m) => m.ts));
  await submitSlackForm(e2e);
  const progress = await slack.until(
    () => slack.messagesIn(CHANNEL).find((m) => m.fromBot && !m.streamed && !before.has(m.ts)),
    'the progress message',
    10_000,
  );
  const [question] = await slack.until(
    () => (questionsIn(progress.ts).length ? questionsIn(progress.ts) : undefined),
    'the question',
    60_000,
  );
  const { rows } = await db.pool.query<{ id: string }>('SELECT id FROM generations WHERE progress_message_id = $1', [
    progress.ts,
  ]);
  await expect.poll(() => statusOf(rows[0]!.id), { timeout: 10_000 }).toBe('awaiting_identity');
  return { progress, question: question!, id: rows[0]!.id };
}

it('asks which Ada Lovelace; only the requester answers; the choice writes with her papers and no new search', async () => {
  const composed = services.anthropic.callsFor('email').length;
  const { progress, question, id } = await untilAsked();
  expect(question.visible).toContain('Which Ada Lovelace?');
  expect(question.visible).toContain(ADA_LINE);
  expect(question.visible).toContain(NAMESAKE_LINE);
  expect(question.visible).toContain('None of these');
  // Nothing summarised or written; the progress message says what it waits for, with Cancel.
  expect(services.anthropic.callsFor('email').length).toBe(composed);
  expect(emailsIn(progress.ts)).toHaveLength(0);
  const waiting = await slack.until(
    () => slack.messagesIn(CHANNEL).find((m) => m.ts === progress.ts && m.visible.includes('Which Ada Lovelace?')),
    'the progress message waiting',
    10_000,
  );
  expect(waiting.visible).toMatch(/✅ Checking who the recipient is/);
  expect(JSON.stringify(waiting.blocks)).toContain('scribe_cancel');

  // History says it waits for the person.
  await e2e.driver.slashCommand({ user: 'U0ADA', channel: CHANNEL, text: 'history' });
  await toldTo('U0ADA', /❓ waiting for you to say which person/);

  // Another person's answer: refused, to them only, nothing changes.
  await click('U0GRACE', question.ts, 'scribe_choose.2');
  await toldTo('U0GRACE', /Only <@U0ADA> or a workspace admin can say which person it is\./);
  expect(await statusOf(id)).toBe('awaiting_identity');

  const before = calls();
  await click('U0ADA', question.ts, 'scribe_choose.1');
  await toldTo('U0ADA', /Writing the email about Ada Lovelace · Babbage College/);
  const [email] = await slack.until(
    () => (emailsIn(progress.ts).length ? emailsIn(progress.ts) : undefined),
    'the email after the answer',
    60_000,
  );
  expect(calls()).toEqual(before);
  const prompt = composerPrompt(services);
  expect(prompt).toContain(CLOSE_ADA_PAPER);
  expect(prompt).toContain(ADA_JOURNAL_PAPER);
  expect(prompt).not.toContain(CLOSE_NAMESAKE_PAPER);
  expect(prompt).not.toContain(NAMESAKE_PAPER);
  expect(email!.visible).toContain('About: Ada Lovelace · Babbage College · OpenAlex A100');
  await expect.poll(() => statusOf(id), { timeout: 10_000 }).toBe('succeeded');

  // A second answer, whichever button: nothing changes, and the person is told what was chosen.
  await click('U0ADA', question.ts, 'scribe_choose.none');
  await toldTo('U0ADA', /Already answered: the email is about Ada Lovelace · Babbage College/);
  expect(emailsIn(progress.ts)).toHaveLength(1);

  // Fresh research researches again but keeps the answer: no second question, still her papers.
  const searches = services.exa.requests.length;
  await click('U0ADA', email!.ts, 'scribe_fresh');
  await slack.until(() => emailsIn(progress.ts).length === 2, 'the fresh version', 60_000);
  expect(services.exa.requests.length).toBeGreaterThan(searches);
  expect(questionsIn(progress.ts)).toHaveLength(1);
  expect(composerPrompt(services)).toContain(CLOSE_ADA_PAPER);
  expect(composerPrompt(services)).not.toContain(CLOSE_NAMESAKE_PAPER);
}, 150_000);

it('"None of these" writes without papers and says so', async () => {
  const { progress, question } = await untilAsked();
  const before = calls();
  await click('U0ADA', question.ts, 'scribe_choose.none');
  const [email] = await slack.until(
    () => (emailsIn(progress.ts).length ? emailsIn(progress.ts) : undefined),
    'the email without papers',
    60_000,
  );
  expect(calls()).toEqual(before);
  expect(email!.visible).toContain('no papers used: you said none of the candidates is the person');
  const prompt = composerPrompt(services);
  expect(prompt).not.toContain(CLOSE_ADA_PAPER);
  expect(prompt).not.toContain(CLOSE_NAMESAKE_PAPER);
  expect(prompt).not.toContain(ADA_JOURNAL_PAPER);
}, 150_000);

it('in a batch, the ambiguous row waits (❓) while the others finish, and resumes alone when answered', async () => {
  await e2e.driver.slashCommand({ user: 'U0ADA', channel: CHANNEL, text: 'batch' });
  const modal = await slack.until(
    () => slack.views('U0ADA').find((v) => v.view.callback_id === 'scribe_batch'),
    'the batch modal',
  );
  await e2e.driver.submitView({
    user: 'U0ADA',
    viewId: modal.id,
    values: {
      template: TEMPLATE,
      recipients: ['Grace Hopper | compilers', 'Ada Lovelace | analytical engines', 'Alan Turing | computability'].join(
        '\n',
      ),
    },
  });
  const parent = await slack.until(
    () => slack.messagesIn(CHANNEL).find((m) => m.fromBot && !m.streamed && m.visible.includes('3 emails')),
    'the batch table',
    10_000,
  );
  const [question] = await slack.until(
    () => (questionsIn(parent.ts).length ? questionsIn(parent.ts) : undefined),
    'the question in the batch thread',
    90_000,
  );
  expect(question!.visible).toContain('Which Ada Lovelace?');
  expect(question!.visible).toContain('(email 2 of 3)');
  const table = await slack.until(
    () => slack.messagesIn(CHANNEL).find((m) => m.ts === parent.ts && m.visible.includes('3 emails: 2 ✅ 1 ❓')),
    'the table with the others done and Ada waiting',
    90_000,
  );
  expect(table.visible).toContain('❓ Ada Lovelace');
  const names = () => emailsIn(parent.ts).map((m) => (m.visible.match(/Email to ([^*·]+)/)?.[1] ?? '').trim());
  expect(names().sort()).toEqual(['Alan Turing', 'Grace Hopper']);

  const before = calls();
  await click('U0ADA', question!.ts, 'scribe_choose.1');
  await slack.until(
    () => slack.messagesIn(CHANNEL).find((m) => m.ts === parent.ts && m.visible.includes('3 emails: 3 ✅')),
    'the table all done',
    90_000,
  );
  expect(calls()).toEqual(before);
  expect(names().sort()).toEqual(['Ada Lovelace', 'Alan Turing', 'Grace Hopper']);
}, 200_000);

it('Cancel on the progress message stops an email waiting for the answer; a later answer changes nothing', async () => {
  const { progress, question, id } = await untilAsked();
  await click('U0ADA', progress.ts, 'scribe_cancel');
  await toldTo('U0ADA', /^Cancelled\. Nothing more will be posted\./);
  expect(await statusOf(id)).toBe('cancelled');
  await click('U0ADA', question.ts, 'scribe_choose.1');
  await toldTo('U0ADA', /Nothing to choose: this email is already cancelled\./);
  expect(await statusOf(id)).toBe('cancelled');
  expect(emailsIn(progress.ts)).toHaveLength(0);
}, 150_000);
