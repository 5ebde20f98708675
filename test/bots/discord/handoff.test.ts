/**
 * The hand-off on Discord, through the reporter and discord.js's REST against the fake (issue 22):
 * a short email gets Open in Gmail / Outlook link buttons (style Link, within 512 characters) that
 * decode to the exact subject and body; a longer one comes as an `.eml` attached to the result's
 * last message (multipart, as discord.js sends files), once even when the post is repeated (the
 * nonce); the To line names the source.
 */
import { randomUUID } from 'node:crypto';
import { ButtonStyle, ComponentType, Routes, type REST, type RESTPostAPIChannelMessageResult } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDiscordRest } from '../../../src/bots/discord/client.ts';
import { createDiscordReporter } from '../../../src/bots/discord/reporter.ts';
import { silentLogger } from '../../../src/log.ts';
import type { ThreadAddress } from '../../../src/thread/reporter.ts';
import { startFakeDiscord, type FakeDiscord } from '../../fakes/discord/index.ts';
import { parseEml } from '../../helpers/eml.ts';
import { allComponents, emailPieceOf, textDisplays } from '../../helpers/discord-v2.ts';
import { renderProgress } from '../../../src/bots/discord/render.ts';
import { initialProgress } from '../../../src/thread/progress.ts';
import { resultView } from '../../helpers/result-view.ts';

let fake: FakeDiscord;
let rest: REST;
let reporter: ReturnType<typeof createDiscordReporter>;

beforeAll(async () => {
  fake = await startFakeDiscord();
  rest = createDiscordRest({ token: fake.token, apiUrl: fake.apiUrl });
  reporter = createDiscordReporter({ rest, logger: silentLogger() });
});
afterAll(async () => {
  await fake?.close();
});

const SUBJECT = 'Über Ihre Arbeit';
const SHORT = 'Dear Dr. Lovelace,\n\nYour notes & loops: 100% worth it.\n\nBest,\nMary';
const LONG = `Dear Dr. Lovelace,\n\n${'I read your notes on the engine and its loops with great interest. '.repeat(8)}\n\nBest,\nMary`;
const TO = { address: 'ada.lovelace@uni.example', source: 1 };

async function conversation(): Promise<ThreadAddress> {
  const message = (await rest.post(Routes.channelMessages(fake.channelId), {
    body: renderProgress(initialProgress('Dr. Ada Lovelace', 1), undefined, 'Requested by <@1>'),
  })) as RESTPostAPIChannelMessageResult;
  const thread = (await rest.post(Routes.threads(fake.channelId, message.id), {
    body: { name: 'Email to Dr. Ada Lovelace' },
  })) as { id: string };
  return {
    generationId: randomUUID(),
    platform: 'discord',
    teamId: fake.guildId,
    channelId: fake.channelId,
    threadId: thread.id,
    progressMessageId: message.id,
  };
}

const POSTED = { existingMessageIds: [], maybePosted: false };

describe('the hand-off on Discord', () => {
  it('links a short email to Gmail and Outlook, decoding to the exact subject, body and address', async () => {
    const address = await conversation();
    const { messageIds } = await reporter.result(
      address,
      resultView(SHORT, { subject: SUBJECT, recipientEmail: TO }),
      POSTED,
    );
    const last = fake.message(messageIds.at(-1)!);
    const rows = allComponents(last.components).filter((c) => c.type === ComponentType.ActionRow) as {
      components: { style: number; label: string; url?: string; custom_id?: string }[];
    }[];
    const links = rows.flatMap((r) => r.components).filter((c) => c.style === ButtonStyle.Link);
    expect(links.map((l) => l.label)).toEqual(['Open in Gmail', 'Open in Outlook']);
    for (const l of links) {
      expect(l.url!.length).toBeLessThanOrEqual(512);
      expect(l.custom_id).toBeUndefined();
    }
    expect(rows.every((r) => r.components.length <= 5)).toBe(true);
    expect(rows.at(-1)!.components.map((c) => c.label)).toEqual(['Copy', 'Open in Gmail', 'Open in Outlook']);
    const gmail = new URL(links[0]!.url!);
    expect(Object.fromEntries(gmail.searchParams)).toEqual({
      view: 'cm',
      fs: '1',
      to: TO.address,
      su: SUBJECT,
      body: SHORT,
    });
    const outlook = new URL(links[1]!.url!);
    expect(Object.fromEntries(outlook.searchParams)).toEqual({ to: TO.address, subject: SUBJECT, body: SHORT });
    expect(last.attachments).toEqual([]);
    const texts = messageIds.flatMap((id) => textDisplays(fake.message(id)));
    expect(texts.join('\n')).toContain('📧 To: ada.lovelace@uni.example (from \\[1\\])');
    // The email's own text display holds exactly the email (the To line is below the divider).
    expect(emailPieceOf(fake.message(messageIds[0]!))).toBe(SHORT);
  });

  it('attaches a longer email as an .eml to the last message, once', async () => {
    const address = await conversation();
    const view = resultView(LONG, { subject: SUBJECT, recipientEmail: TO });
    const { messageIds } = await reporter.result(address, view, POSTED);
    const last = fake.message(messageIds.at(-1)!);
    const rows = allComponents(last.components).filter((c) => c.type === ComponentType.ActionRow) as {
      components: { type: number; style: number }[];
    }[];
    expect(rows.flatMap((r) => r.components).filter((c) => c.style === ButtonStyle.Link)).toEqual([]);
    expect(rows.flatMap((r) => r.components).every((c) => c.type === ComponentType.Button)).toBe(true);
    expect(last.attachments.map((a) => a.filename)).toEqual(['email-to-dr-ada-lovelace.eml']);
    // A V2 message shows an attachment only through a File component.
    expect(allComponents(last.components).filter((c) => c.type === ComponentType.File)).toEqual([
      { type: ComponentType.File, file: { url: 'attachment://email-to-dr-ada-lovelace.eml' } },
    ]);
    const eml = parseEml(Buffer.from(await (await fetch(last.attachments[0]!.url)).arrayBuffer()));
    expect(eml.headers.get('x-unsent')).toBe('1');
    expect(eml.headers.get('to')).toBe(TO.address);
    expect(eml.headers.get('subject')).toBe(SUBJECT);
    expect(eml.body).toBe(LONG);
    const texts = messageIds.flatMap((id) => textDisplays(fake.message(id)));
    expect(texts.join('\n')).toContain('Too long for a link: the draft is attached as an .eml file');

    // A retry that recorded no ids posts again with the same nonces: Discord answers the first messages.
    const again = await reporter.result(address, view, { existingMessageIds: [], maybePosted: true });
    expect(again.messageIds).toEqual(messageIds);
    const attachments = fake.channelView(address.threadId!).flatMap((m) => fake.message(m.id).attachments);
    expect(attachments).toHaveLength(1);
  });
});
