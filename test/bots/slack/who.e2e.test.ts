/**
 * "Who exactly?" on Slack's /scribe form (issue 20), end to end: a mistyped ORCID iD is the field's
 * error and nothing is posted, spent or queued; a valid one is decisive — it reaches the generation
 * and picks the namesake it names, against the pages found (which are about the other one).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FakeSlack } from '../../fakes/slack/index.ts';
import { ADA_FORM, startSlackService, type SlackService } from '../../helpers/e2e.ts';
import { ADA_JOURNAL_PAPER, BAD_ORCID, NAMESAKE_PAPER } from '../../helpers/namesakes.ts';
import { composerPrompt, OPENALEX_TEST_KEY, type Services } from '../../helpers/services.ts';
import { isSlackResult } from '../../helpers/slack-result.ts';

/** ORCID's other example iD (valid checksum), given here to the Leeds namesake. */
const NAMESAKE_ORCID = '0000-0002-1694-233X';

let slack: FakeSlack;
let services: Services;
let e2e: SlackService;

beforeAll(async () => {
  e2e = await startSlackService({ env: { OPENALEX_API_KEY: OPENALEX_TEST_KEY } });
  ({ slack, services } = e2e);
  const namesake = services.openalex.authors.find((a) => a.id.endsWith('/A200'))!;
  namesake.orcid = `https://orcid.org/${NAMESAKE_ORCID}`;
});

afterAll(() => e2e?.close());

async function openForm() {
  await e2e.driver.slashCommand({ user: 'U0ADA', channel: 'C0GENERAL', text: '' });
  await slack.until(() => slack.views('U0ADA')[0], 'the modal');
}

it('says a mistyped ORCID iD on the field, and starts nothing', async () => {
  await openForm();
  const ack = await e2e.driver.submitView({ user: 'U0ADA', values: { ...ADA_FORM, identity_hint: BAD_ORCID } });
  expect(ack.body).toMatchObject({
    response_action: 'errors',
    errors: { identity_hint: expect.stringMatching(/ORCID iD 0000-0002-1825-0096 is mistyped/) },
  });
  expect(slack.views('U0ADA')[0]?.errors).toHaveProperty('identity_hint');
  expect(slack.messagesIn('C0GENERAL').filter((m) => m.fromBot && !m.streamed)).toEqual([]);
  expect(services.anthropic.calls()).toHaveLength(0);
  const rows = await e2e.db.pool.query('SELECT count(*)::int AS n FROM generations');
  expect(rows.rows[0].n).toBe(0);
}, 60_000);

it('takes a valid ORCID iD as decisive: the namesake it names, only their papers', async () => {
  // The form stays open after its field error; a run of this test alone opens it.
  if (!slack.views('U0ADA')[0]) await openForm();
  const ack = await e2e.driver.submitView({
    user: 'U0ADA',
    values: { ...ADA_FORM, identity_hint: `University of Leeds, https://orcid.org/${NAMESAKE_ORCID}` },
  });
  expect(ack.body).toBeFalsy();
  const progress = await slack.until(
    () => slack.messagesIn('C0GENERAL').find((m) => m.fromBot && !m.streamed && m.visible.includes('Ada Lovelace')),
    'the progress message',
    10_000,
  );
  const result = await slack.until(
    () =>
      slack
        .messagesIn('C0GENERAL', progress.ts)
        .find((m) => isSlackResult(m) && m.visible.includes('Dear Dr. Lovelace')),
    'the result in the thread',
    60_000,
  );
  expect(result.visible).toContain(`About: Ada Lovelace · University of Leeds · ORCID ${NAMESAKE_ORCID}`);
  const prompt = composerPrompt(services);
  expect(prompt).toContain(NAMESAKE_PAPER);
  expect(prompt).not.toContain('Programs for analytical engines');
  expect(prompt).not.toContain(ADA_JOURNAL_PAPER);
  const rows = await e2e.db.pool.query('SELECT identity_hint FROM generations');
  expect(rows.rows).toEqual([{ identity_hint: { affiliation: 'University of Leeds', orcid: NAMESAKE_ORCID } }]);
}, 120_000);
