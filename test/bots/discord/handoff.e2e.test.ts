/**
 * The hand-off on Discord end to end (issue 22), with Scribe started as users start it: the
 * recipient's address, shown on her page, is the To ("To: … (from [1])", outside the copied
 * content); a short email's Open in Gmail / Outlook link buttons, parsed from the components the
 * fake received, decode to the exact subject and the bare email; a longer one (past Discord's 512
 * characters) comes as an `.eml` attached to the result.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { FakeDiscord } from '../../fakes/discord/index.ts';
import { PROFILE_TEXT } from '../../fakes/pages.ts';
import { parseEml } from '../../helpers/eml.ts';
import { ADA_FORM, startDiscordService, submitDiscordForm, type DiscordService } from '../../helpers/e2e.ts';
import { buttonsIn, emailPieceOf, textDisplays } from '../../helpers/discord-v2.ts';

let discord: FakeDiscord;
let e2e: DiscordService;

const ADDRESS = 'ada.lovelace@uni.example';
const SHORT_TEMPLATE = 'Dear Dr. {{last_name}},\n\nI read about [their research topic].\n\nMary';
/** About 700 characters: past Discord's 512 for a link button, within the browsers' 2,000 (Slack would link it). */
const MEDIUM_TEMPLATE = `Dear Dr. {{last_name}},

I read your recent work on [their research topic] with great interest.

${'My thesis is on program synthesis for mechanical computers. '.repeat(8)}

Best regards,
Mary`;

beforeAll(async () => {
  e2e = await startDiscordService();
  discord = e2e.discord;
  const [profile, ...rest] = e2e.services.exa.defaults;
  e2e.services.exa.defaults = [{ ...profile!, text: `${PROFILE_TEXT} Contact: ${ADDRESS}.` }, ...rest];
});

afterAll(() => e2e?.close());

type Button = { type: number; style: number; label?: string; url?: string };

/** The latest request's thread, once its email is posted and stored. */
async function resultOf(template: string) {
  const threads = () => discord.channelView(discord.channelId).filter((m) => m.threadId !== undefined);
  const before = threads().length;
  await submitDiscordForm(e2e, { ...ADA_FORM, template });
  await expect.poll(() => threads().length, { timeout: 10_000, interval: 100 }).toBe(before + 1);
  const threadId = threads().at(-1)!.threadId!;
  // The row's email is saved as the generation succeeds, just after the post.
  const stored = async () =>
    (
      await e2e.db.pool.query<{ email: string | null }>('SELECT email FROM generations WHERE thread_id = $1', [
        threadId,
      ])
    ).rows[0]?.email ?? null;
  await expect.poll(stored, { timeout: 30_000, interval: 100 }).not.toBeNull();
  const email = (await stored())!;
  const thread = discord.channelView(threadId).map((m) => discord.message(m.id));
  const subject = /^\*\*Subject:\*\* (.+)$/.exec(
    thread.flatMap((m) => textDisplays(m)).find((t) => t.startsWith('**Subject:**')) ?? '',
  )?.[1];
  const embeds = thread.flatMap((m) => textDisplays(m)).join('\n');
  return { thread, email, subject, embeds, last: thread.at(-1)! };
}

it('puts the address a source shows in To, and links Gmail and Outlook to the exact subject and email', async () => {
  const { thread, email, subject, embeds, last } = await resultOf(SHORT_TEMPLATE);
  expect(embeds).toContain(`📧 To: ${ADDRESS} (from \\[1\\])`);
  expect(thread.map((m) => emailPieceOf(m)).find((t) => t.startsWith('Dear Dr. Lovelace'))).toBe(email);
  expect(subject).toBeDefined();
  const links = (buttonsIn(last) as Button[]).filter((c) => c.url);
  expect(links.map((l) => l.label)).toEqual(['Open in Gmail', 'Open in Outlook']);
  expect(Object.fromEntries(new URL(links[0]!.url!).searchParams)).toEqual({
    view: 'cm',
    fs: '1',
    to: ADDRESS,
    su: subject,
    body: email.trimEnd(),
  });
  expect(Object.fromEntries(new URL(links[1]!.url!).searchParams)).toEqual({
    to: ADDRESS,
    subject,
    body: email.trimEnd(),
  });
  expect(last.attachments).toEqual([]);
}, 90_000);

it('attaches an email too long for Discord’s links as an .eml draft', async () => {
  const { email, embeds, last } = await resultOf(MEDIUM_TEMPLATE);
  expect(embeds).toContain('Too long for a link: the draft is attached as an .eml file');
  expect(buttonsIn(last).filter((c) => c.url)).toEqual([]);
  expect(last.attachments.map((a) => a.filename)).toEqual(['email-to-ada-lovelace.eml']);
  const eml = parseEml(Buffer.from(await (await fetch(last.attachments[0]!.url)).arrayBuffer()));
  expect(eml.headers.get('x-unsent')).toBe('1');
  expect(eml.headers.get('to')).toBe(ADDRESS);
  expect(eml.body).toBe(email.trimEnd());
}, 90_000);
