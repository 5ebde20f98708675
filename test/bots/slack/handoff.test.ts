/**
 * The hand-off on Slack, through the reporter and the real WebClient against the fake (issue 22):
 * a short email gets Open in Gmail / Outlook link buttons and a mailto: link that decode to the
 * exact subject and body; a long one comes as an `.eml` uploaded into the thread through the files
 * API (files.getUploadURLExternal, the bytes, files.completeUploadExternal), once even when the
 * result is delivered again; without `files:write` Slack refuses and the email still stands.
 */
import { randomUUID } from 'node:crypto';
import { LogLevel, webApi } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackClient, type WebClient } from '../../../src/bots/slack/client.ts';
import { createSlackReporter } from '../../../src/bots/slack/reporter.ts';
import { createLogger } from '../../../src/log.ts';
import type { ThreadAddress } from '../../../src/thread/reporter.ts';
import { DEFAULT_SCOPES, startFakeSlack, type FakeSlack } from '../../fakes/slack/index.ts';
import { parseEml } from '../../helpers/eml.ts';
import { resultView } from '../../helpers/result-view.ts';

const RETRY = { retries: 1, factor: 1, minTimeout: 10, maxTimeout: 50 };
const CHANNEL = 'C0GENERAL';
const SUBJECT = 'Your work on analytical engines';
const SHORT = 'Dear Dr. Lovelace,\n\nI read your notes on the engine & its loops — 100% worth it.\n\nBest,\nMary';
const LONG = `Dear Dr. Lovelace,\n\n${'I read your notes on the engine and its loops with great interest. '.repeat(30)}\n\nBest,\nMary`;
const TO = { address: 'ada.lovelace@uni.example', source: 1 };

interface Setup {
  fake: FakeSlack;
  reporter: ReturnType<typeof createSlackReporter>;
  events: Record<string, unknown>[];
}

async function setup(scopes?: readonly string[]): Promise<Setup> {
  const fake = await startFakeSlack(scopes ? { scopes } : {});
  const events: Record<string, unknown>[] = [];
  const logger = createLogger({
    level: 'info',
    destination: { write: (line: string) => void events.push(JSON.parse(line) as Record<string, unknown>) },
  });
  const client: WebClient = createSlackClient(
    { botToken: fake.botToken, apiUrl: fake.apiUrl },
    { logger: createLogger({ level: 'silent' }), retryConfig: RETRY },
  );
  return { fake, reporter: createSlackReporter({ client, logger }), events };
}

let withScope: Setup;
let noScope: Setup;

beforeAll(async () => {
  [withScope, noScope] = await Promise.all([setup(), setup(DEFAULT_SCOPES.filter((s) => s !== 'files:write'))]);
});
afterAll(async () => {
  await Promise.all([withScope?.fake.close(), noScope?.fake.close()]);
});

function conversation(fake: FakeSlack): ThreadAddress {
  const { ts } = fake.state.post({
    channel: CHANNEL,
    user: fake.state.bot.userId,
    botId: fake.state.bot.botId,
    text: 'Drafting an email to Dr. Ada Lovelace',
  });
  return {
    generationId: randomUUID(),
    platform: 'slack',
    teamId: fake.state.team.id,
    channelId: CHANNEL,
    threadId: ts,
    progressMessageId: ts,
  };
}

const POSTED = { existingMessageIds: [], maybePosted: false };
type Element = { type: string; action_id?: string; url?: string; elements?: Element[]; text?: unknown };

describe('the hand-off on Slack', () => {
  it('links a short email to Gmail, Outlook and the mail app, each decoding to the exact subject and body', async () => {
    const { fake, reporter } = withScope;
    const address = conversation(fake);
    await reporter.result(address, resultView(SHORT, { subject: SUBJECT, recipientEmail: TO }), POSTED);
    const [result, ...more] = fake.messagesIn(CHANNEL, address.threadId!).slice(1);
    expect(more).toEqual([]);
    expect(result!.visible).toContain('To: ada.lovelace@uni.example (from [1])');
    const blocks = result!.blocks as Element[];
    const buttons = blocks.find((b) => b.type === 'actions')!.elements!;
    const link = (id: string) => new URL(buttons.find((b) => b.action_id === id)!.url!);
    const gmail = link('scribe_open_gmail');
    expect(gmail.origin + gmail.pathname).toBe('https://mail.google.com/mail/');
    expect(Object.fromEntries(gmail.searchParams)).toEqual({
      view: 'cm',
      fs: '1',
      to: TO.address,
      su: SUBJECT,
      body: SHORT,
    });
    const outlook = link('scribe_open_outlook');
    expect(outlook.origin + outlook.pathname).toBe('https://outlook.office.com/mail/deeplink/compose');
    expect(Object.fromEntries(outlook.searchParams)).toEqual({ to: TO.address, subject: SUBJECT, body: SHORT });
    // The mailto: in the context line (mrkdwn: & escaped), line breaks as CRLF.
    const contexts = blocks.filter((b) => b.type === 'context').map((b) => (b.elements?.[0]?.text as string) ?? '');
    const mailto = contexts.map((t) => /<(mailto:[^|>]+)\|Open in your mail app>/.exec(t)?.[1]).find(Boolean);
    expect(mailto).toBeDefined();
    const query = new URLSearchParams(mailto!.replace(/&amp;/g, '&').split('?')[1]);
    expect(mailto!.startsWith(`mailto:${TO.address}?`)).toBe(true);
    expect(query.get('subject')).toBe(SUBJECT);
    expect(query.get('body')).toBe(SHORT.replace(/\n/g, '\r\n'));
    expect(fake.callsTo('files.getUploadURLExternal')).toHaveLength(0);
  });

  it('attaches a long email as an .eml draft in the thread, once', async () => {
    const { fake, reporter, events } = withScope;
    const address = conversation(fake);
    const view = resultView(LONG, { subject: SUBJECT, recipientEmail: TO });
    const { messageIds } = await reporter.result(address, view, POSTED);
    const thread = () => fake.messagesIn(CHANNEL, address.threadId!).slice(1);
    const [result, file] = thread();
    expect(result!.visible).toContain('Too long for a link: the draft is attached below as an .eml file');
    const buttons = (result!.blocks as Element[]).find((b) => b.type === 'actions')!.elements!;
    expect(buttons.filter((b) => b.url)).toEqual([]);
    expect(file!.files).toHaveLength(1);
    expect(file!.files![0]!.name).toBe('email-to-dr-ada-lovelace.eml');
    const eml = parseEml(file!.files![0]!.content);
    expect(eml.headers.get('x-unsent')).toBe('1');
    expect(eml.headers.get('to')).toBe(TO.address);
    expect(eml.headers.get('subject')).toBe(SUBJECT);
    expect(eml.body).toBe(LONG);
    expect(events.filter((e) => e.event === 'eml.attached')).toHaveLength(1);

    // Delivered again with its message ids (a retry after saving them): edited, no second file.
    await reporter.result(address, view, { existingMessageIds: messageIds, maybePosted: false });
    expect(thread()).toHaveLength(2);
    expect(fake.callsTo('files.completeUploadExternal')).toHaveLength(1);
  });

  it('without files:write, Slack refuses the upload and the email still stands', async () => {
    const { fake, reporter, events } = noScope;
    const address = conversation(fake);
    await reporter.result(address, resultView(LONG, { subject: SUBJECT }), POSTED);
    const thread = fake.messagesIn(CHANNEL, address.threadId!).slice(1);
    expect(thread).toHaveLength(1);
    expect(thread[0]!.visible).toContain('I read your notes on the engine');
    expect(fake.callsTo('files.getUploadURLExternal')[0]?.response).toMatchObject({
      ok: false,
      error: 'missing_scope',
      needed: 'files:write',
    });
    expect(events.find((e) => e.event === 'eml.failed')).toBeDefined();
  });
});

describe('the fake files API with the real WebClient', () => {
  it('refuses an upload that was never announced, and one completed twice', async () => {
    const client = new webApi.WebClient(withScope.fake.botToken, {
      slackApiUrl: withScope.fake.apiUrl,
      retryConfig: RETRY,
      logLevel: LogLevel.ERROR,
    });
    await expect(
      client.files.completeUploadExternal({ files: [{ id: 'F0NOPE' }], channel_id: CHANNEL }),
    ).rejects.toMatchObject({
      data: { error: 'file_not_found' },
    });
    const done = await client.filesUploadV2({ channel_id: CHANNEL, content: 'hello', filename: 'a.txt' });
    expect(done.ok).toBe(true);
    const id = withScope.fake.callsTo('files.getUploadURLExternal').at(-1)!.response!.file_id as string;
    expect(withScope.fake.state.files.get(id)?.content?.toString()).toBe('hello');
    await expect(client.files.completeUploadExternal({ files: [{ id }], channel_id: CHANNEL })).rejects.toMatchObject({
      data: { error: 'file_not_found' },
    });
  });
});
