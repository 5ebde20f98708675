/**
 * The hand-off on Slack end to end (issue 22), with Scribe started as users start it: the
 * recipient's address, shown on her page, is the To ("To: … (from [1])"); a short email's Open in
 * Gmail / Outlook buttons, parsed from the blocks the fake received, decode to the exact subject
 * and the bare email; their clicks are acked; a long email comes as an `.eml` in the thread.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FakeSlack } from '../../fakes/slack/index.ts';
import { PROFILE_TEXT } from '../../fakes/pages.ts';
import { parseEml } from '../../helpers/eml.ts';
import { ADA_FORM, startSlackService, submitSlackForm, type SlackService } from '../../helpers/e2e.ts';
import { isSlackResult } from '../../helpers/slack-result.ts';

let slack: FakeSlack;
let e2e: SlackService;

const ADDRESS = 'ada.lovelace@uni.example';
const SHORT_TEMPLATE = 'Dear Dr. {{last_name}},\n\nI read your recent work on [their research topic].\n\nBest,\nMary';
const LONG_TEMPLATE = `Dear Dr. {{last_name}},

I read your recent work on [their research topic] with great interest.

${'My thesis is on program synthesis for mechanical computers, and I would love to compare notes on loops. '.repeat(20)}

Best regards,
Mary`;

beforeAll(async () => {
  e2e = await startSlackService();
  slack = e2e.slack;
  const [profile, ...rest] = e2e.services.exa.defaults;
  e2e.services.exa.defaults = [{ ...profile!, text: `${PROFILE_TEXT} Contact: ${ADDRESS}.` }, ...rest];
});

afterAll(() => e2e?.close());

type Block = { type: string; elements?: { action_id?: string; url?: string; text?: string }[] };

/** The result of the latest request (the email's message in the progress message's thread). */
async function resultOf(template: string) {
  const before = slack.messagesIn('C0GENERAL').length;
  await submitSlackForm(e2e, { ...ADA_FORM, template });
  const progress = await slack.until(
    () =>
      slack
        .messagesIn('C0GENERAL')
        .slice(before)
        .find((m) => m.fromBot && !m.streamed && m.visible.includes('Ada Lovelace')),
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
  // The row's email is saved as the generation succeeds, just after the post.
  const stored = async () =>
    (
      await e2e.db.pool.query<{ email: string | null }>('SELECT email FROM generations WHERE thread_id = $1', [
        progress.ts,
      ])
    ).rows[0]?.email ?? null;
  await expect.poll(stored, { timeout: 10_000, interval: 100 }).not.toBeNull();
  return { progress, result, email: (await stored())! };
}

it('puts the address a source shows in To, and links Gmail and Outlook to the exact subject and email', async () => {
  const { result, email } = await resultOf(SHORT_TEMPLATE);
  expect(result.visible).toContain(`To: ${ADDRESS} (from [1])`);
  expect(result.visible).toMatch(/\[1\] .*uni\.example/);
  const subject = /\*Subject:\* ([^\n"]+)/.exec(JSON.stringify(result.blocks))?.[1];
  expect(subject).toBeDefined();
  const buttons = (result.blocks as Block[]).find((b) => b.type === 'actions')!.elements!;
  const url = (id: string) => new URL(buttons.find((b) => b.action_id === id)!.url!);
  expect(Object.fromEntries(url('scribe_open_gmail').searchParams)).toEqual({
    view: 'cm',
    fs: '1',
    to: ADDRESS,
    su: subject,
    body: email.trimEnd(),
  });
  expect(Object.fromEntries(url('scribe_open_outlook').searchParams)).toEqual({
    to: ADDRESS,
    subject,
    body: email.trimEnd(),
  });
  // Slack sends the link button's click too: Scribe acks it and does nothing else.
  const click = await e2e.driver.clickButton({
    user: 'U0ADA',
    channel: 'C0GENERAL',
    ts: result.ts,
    actionId: 'scribe_open_gmail',
  });
  expect(click.status).toBe(200);
  await e2e.scribe.waitForEvent({ event: 'request.handled', outcome: 'link-opened' }, 10_000);
}, 90_000);

it('attaches a long email as an .eml draft in the thread', async () => {
  const { progress, result, email } = await resultOf(LONG_TEMPLATE);
  expect(result.visible).toContain('Too long for a link: the draft is attached below as an .eml file');
  const buttons = (result.blocks as Block[]).find((b) => b.type === 'actions')!.elements!;
  expect(buttons.filter((b) => b.url)).toEqual([]);
  const file = await slack.until(
    () => slack.messagesIn('C0GENERAL', progress.ts).find((m) => m.files?.length),
    'the .eml in the thread',
    10_000,
  );
  expect(file.files![0]!.name).toBe('email-to-ada-lovelace.eml');
  const eml = parseEml(file.files![0]!.content);
  expect(eml.headers.get('x-unsent')).toBe('1');
  expect(eml.headers.get('to')).toBe(ADDRESS);
  expect(eml.headers.get('subject')).toMatch(/\S/);
  expect(eml.body).toBe(email.trimEnd());
}, 90_000);
