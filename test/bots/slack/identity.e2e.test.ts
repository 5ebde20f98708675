/**
 * Who the email is about (issue 20), on Slack end to end: two Ada Lovelaces in OpenAlex, the web
 * pages about the one at the University of London, and only her papers reach the composer — her
 * arXiv paper and her journal paper that is not on arXiv, not her namesake's — while the result
 * says whom it is about. (Without an OpenAlex key, the fallback: test/bots/slack/e2e.test.ts.)
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FakeSlack } from '../../fakes/slack/index.ts';
import { startSlackService, submitSlackForm, type SlackService } from '../../helpers/e2e.ts';
import { ADA_JOURNAL_PAPER, ADA_ORCID, NAMESAKE_PAPER } from '../../helpers/namesakes.ts';
import { composerPrompt, OPENALEX_TEST_KEY, type Services } from '../../helpers/services.ts';
import { isSlackResult } from '../../helpers/slack-result.ts';

let slack: FakeSlack;
let services: Services;
let e2e: SlackService;

beforeAll(async () => {
  e2e = await startSlackService({ env: { OPENALEX_API_KEY: OPENALEX_TEST_KEY } });
  ({ slack, services } = e2e);
});

afterAll(() => e2e?.close());

it('writes to the right Ada Lovelace: only her papers, and the result says who she is', async () => {
  await submitSlackForm(e2e);
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
    30_000,
  );
  expect(result.visible).toContain(`About: Ada Lovelace · University of London · ORCID ${ADA_ORCID}`);
  expect(result.visible).toContain(ADA_JOURNAL_PAPER);
  expect(result.visible).not.toContain(NAMESAKE_PAPER);

  const prompt = composerPrompt(services);
  expect(prompt).toContain('Programs for analytical engines');
  expect(prompt).toContain(ADA_JOURNAL_PAPER);
  expect(prompt).not.toContain(NAMESAKE_PAPER);

  const final = await slack.until(
    () => slack.messagesIn('C0GENERAL').find((m) => m.ts === progress.ts && /ready/.test(m.visible)),
    'the final progress state',
    10_000,
  );
  expect(final.visible).toMatch(
    /✅ Researching the web[\s\S]*✅ Checking who the recipient is[\s\S]*✅ Finding papers/,
  );
}, 90_000);
