/**
 * An email longer than a Slack form holds (3,000 characters: a long template plus its fills,
 * issue 21) keeps working: posted whole, Edit answers privately that it cannot open a form and
 * points to Copy (no view opened), and Copy gives the whole email.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHarness, type Harness } from './harness.ts';

let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h?.close();
});

const PARAGRAPHS = Array.from(
  { length: 40 },
  (_, i) => `Paragraph ${i + 1} of a long template, kept as written with the recipient's fills around it.`,
);

it('an email longer than the form: posted whole, Edit says to use Copy, Copy gives it all', async () => {
  const { outcome } = await h.draft({ user: 'U0ADA' });
  expect(outcome).toBe('started:channel');
  const progress = h.fake
    .messagesIn('C0GENERAL')
    .filter((m) => m.fromBot && !m.streamed)
    .at(-1)!;
  const generation = (await h.generationByProgress(progress.ts))!;
  const email = `Dear Dr. Ada Lovelace,\n\n${PARAGRAPHS.join('\n\n')}\n\nBest regards,\nGrace`;
  expect(email.length).toBeGreaterThan(3_000);
  const [resultTs] = await h.succeed(generation, email);

  const result = h.fake.messagesIn(generation.channelId!, generation.threadId!).find((m) => m.ts === resultTs)!;
  for (const p of PARAGRAPHS) expect(result.visible).toContain(p);

  await h.slack.clickButton({ user: 'U0ADA', channel: 'C0GENERAL', ts: resultTs!, actionId: 'scribe_edit' });
  const said = `This email is ${email.length.toLocaleString('en-US')} characters; a form here holds 3,000, so it can't be edited in a form. Use Copy to take it as plain text and edit it in your mail client.`;
  await h.fake.until(() => h.fake.ephemeralsFor('U0ADA').find((e) => e.text === said), 'the too-long answer', 10_000);
  expect(h.fake.views('U0ADA').some((v) => v.view.callback_id === 'scribe_edit')).toBe(false);

  await h.slack.clickButton({ user: 'U0ADA', channel: 'C0GENERAL', ts: resultTs!, actionId: 'scribe_copy' });
  await h.fake.until(
    () => h.fake.ephemeralsFor('U0ADA').find((e) => e.text === email),
    'the whole email copied',
    10_000,
  );
});
