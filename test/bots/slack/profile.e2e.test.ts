/**
 * `/scribe profile` on Slack, end to end (`scribe start` as a child process, every service faked):
 * the form, saved and confirmed privately, prefilled the next time, and used in the next email's
 * sender slot — filled in code, never sent to or written by the model.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSlackService, type SlackService } from '../../helpers/e2e.ts';
import { RECIPIENT, TEMPLATE } from '../../helpers/services.ts';
import { isSlackResult } from '../../helpers/slack-result.ts';

let e2e: SlackService;

beforeAll(async () => {
  e2e = await startSlackService();
});

afterAll(() => e2e?.close());

type Block = { block_id?: string; element?: { initial_value?: string } };
const initialValues = (blocks: unknown[]) =>
  Object.fromEntries(
    (blocks as Block[]).filter((b) => b.element).map((b) => [b.block_id, b.element?.initial_value ?? '']),
  );

it('saves the profile from its form, confirms privately, prefills it, and fills the next email’s sender slot with it', async () => {
  const { slack, driver, services } = e2e;
  await driver.slashCommand({ user: 'U0ADA', channel: 'C0GENERAL', text: 'profile' });
  const form = await slack.until(() => slack.views('U0ADA')[0], 'the profile form');
  expect(form.view.callback_id).toBe('scribe_profile');
  expect(initialValues(form.view.blocks)).toEqual({ name: '', position: '', institution: '', work: '' });
  await driver.submitView({
    user: 'U0ADA',
    values: { name: 'Mary Somerville', position: '', institution: 'University of Edinburgh', work: '' },
  });
  const confirmation = await slack.until(
    () => slack.ephemeralsFor('U0ADA').find((e) => e.text.includes('sender profile')),
    'the private confirmation',
  );
  expect(confirmation.text).toContain('Saved your sender profile (name, institution)');
  expect(slack.views('U0ADA')).toHaveLength(0);

  // The next form opens with what was saved.
  await driver.slashCommand({ user: 'U0ADA', channel: 'C0GENERAL', text: 'profile' });
  const again = await slack.until(() => slack.views('U0ADA')[0], 'the profile form again');
  expect(initialValues(again.view.blocks)).toEqual({
    name: 'Mary Somerville',
    position: '',
    institution: 'University of Edinburgh',
    work: '',
  });
  await driver.submitView({
    user: 'U0ADA',
    values: { name: 'Mary Somerville', position: '', institution: 'University of Edinburgh', work: '' },
  });
  await slack.until(
    () => slack.ephemeralsFor('U0ADA').filter((e) => e.text.includes('sender profile')).length >= 2,
    'the second confirmation',
  );

  // The next email: [Your Name] is the profile's name; the model never saw it.
  await driver.slashCommand({ user: 'U0ADA', channel: 'C0GENERAL', text: '' });
  await slack.until(() => slack.views('U0ADA')[0], 'the draft form');
  await driver.submitView({
    user: 'U0ADA',
    values: {
      template: TEMPLATE,
      recipient_name: RECIPIENT.recipientName,
      recipient_interest: RECIPIENT.recipientInterest,
    },
  });
  const result = await slack.until(
    () =>
      slack
        .messagesIn('C0GENERAL')
        .flatMap((m) => slack.messagesIn('C0GENERAL', m.ts))
        .find((m) => isSlackResult(m) && m.visible.includes('Dear Dr. Lovelace')),
    'the result',
    30_000,
  );
  expect(result.visible).toContain('Best regards,\nMary Somerville');
  expect(result.visible).not.toContain('[Your Name]');
  expect(JSON.stringify(services.anthropic.wireCalls())).not.toContain('Mary Somerville');
  expect(JSON.stringify(services.anthropic.answered())).not.toContain('Mary Somerville');
}, 90_000);
