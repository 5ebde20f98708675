import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackClient, type WebClient } from '../../../src/bots/slack/client.ts';
import { SLACK_SECTION_LIMIT } from '../../../src/bots/slack/render.ts';
import { createSlackReporter, RESULT_EVENT_TYPE } from '../../../src/bots/slack/reporter.ts';
import { ErrorCode, PermanentError } from '../../../src/errors.ts';
import { coalesceProgress } from '../../../src/jobs/coalesce.ts';
import { initialProgress } from '../../../src/thread/progress.ts';
import type { ThreadAddress } from '../../../src/thread/reporter.ts';
import { silentLogger } from '../../../src/log.ts';
import { startFakeSlack, type FakeSlack } from '../../fakes/slack/index.ts';
import { resultView } from '../../helpers/result-view.ts';

const RETRY = { retries: 1, factor: 1, minTimeout: 10, maxTimeout: 50 };
const CHANNEL = 'C0GENERAL';

let fake: FakeSlack;
let client: WebClient;
let reporter: ReturnType<typeof createSlackReporter>;

beforeAll(async () => {
  fake = await startFakeSlack({ notInChannel: ['C0OUTSIDE'] });
  client = createSlackClient(
    { botToken: fake.botToken, apiUrl: fake.apiUrl },
    { logger: silentLogger(), retryConfig: RETRY },
  );
  reporter = createSlackReporter({ client, logger: silentLogger() });
});

afterAll(async () => {
  await fake?.close();
});

const view = resultView;

/** A progress message in #general, as the bot posts it: it is also the thread's parent. */
async function conversation(channel = CHANNEL): Promise<ThreadAddress> {
  const { ts } = fake.state.post({
    channel,
    user: fake.state.bot.userId,
    botId: fake.state.bot.botId,
    text: 'Drafting an email to Dr. Ada Lovelace',
  });
  return {
    generationId: randomUUID(),
    platform: 'slack',
    teamId: fake.state.team.id,
    channelId: channel,
    threadId: ts,
    progressMessageId: ts,
  };
}

const replies = (address: ThreadAddress) => fake.messagesIn(address.channelId!, address.threadId!).slice(1);
const plainSections = (blocks: unknown[] | undefined) =>
  (blocks ?? []).flatMap((b) => {
    const block = b as { type: string; text?: { type: string; text: string } };
    return block.type === 'section' && block.text?.type === 'plain_text' ? [block.text.text] : [];
  });

describe('Slack reporter', () => {
  it('edits the progress message in place', async () => {
    const address = await conversation();
    const progress = initialProgress('Dr. Ada Lovelace', 1);
    await reporter.progress(address, {
      ...progress,
      status: 'running',
      steps: { ...progress.steps, parse: { state: 'done', seconds: 1.2, warnings: [] } },
    });
    await reporter.progress(address, { ...progress, status: 'succeeded' });
    const [message] = fake.messagesIn(CHANNEL, address.threadId!);
    expect(message?.versions).toHaveLength(3);
    expect(message?.versions[1]?.blocks && JSON.stringify(message.versions[1].blocks)).toContain(
      '✅ Reading the template — 1.2 s',
    );
    expect(message?.text).toBe('Email to Dr. Ada Lovelace is ready');
    expect(replies(address)).toHaveLength(0);
  });

  it('posts the result as a threaded reply with its metadata and buttons', async () => {
    const address = await conversation();
    const { messageIds } = await reporter.result(address, view('Dear Dr. Lovelace,\n\nHello.'), {
      existingMessageIds: [],
      maybePosted: false,
    });
    const [reply] = replies(address);
    expect(messageIds).toEqual([reply?.ts]);
    expect(reply).toMatchObject({ threadTs: address.threadId, fromBot: true });
    expect(reply?.metadata).toEqual({
      event_type: RESULT_EVENT_TYPE,
      event_payload: { generation_id: address.generationId, part: 0, parts: 1 },
    });
    expect(reply?.text.startsWith('Dear Dr. Lovelace,\n\nHello.')).toBe(true);
    expect(reply?.visible).toContain('🔁 Regenerate');
    expect(fake.messagesIn(CHANNEL).map((m) => m.ts)).not.toContain(reply?.ts);
  });

  it('splits a 9,000-character email across sections without losing a character', async () => {
    const paragraphs = Array.from(
      { length: 45 },
      (_, i) => `Paragraph ${i}: ${'the engine weaves algebraic patterns '.repeat(5).trim()}.`,
    ).join('\n\n');
    const oneBlock = Array.from({ length: 260 }, (_, i) => `Sentence ${i} about looms & <engines>.`).join(' ');
    for (const email of [paragraphs, oneBlock]) {
      expect(email.length).toBeGreaterThanOrEqual(9_000);
      const address = await conversation();
      await reporter.result(address, view(email), { existingMessageIds: [], maybePosted: false });
      const sections = plainSections(replies(address)[0]?.blocks);
      expect(sections.length).toBeGreaterThanOrEqual(3);
      for (const text of sections) expect(text.length).toBeLessThanOrEqual(SLACK_SECTION_LIMIT);
      // Pieces break only at whitespace, which is what joins them back.
      expect(sections.join('').replace(/\s/g, '')).toBe(email.replace(/\s/g, ''));
      if (email === paragraphs) expect(sections.join('\n\n')).toBe(email);
    }
  });

  it('posts a result past 50 blocks as several messages, in order, buttons on the last', async () => {
    const email = Array.from({ length: 55 }, (_, i) => `Part ${i}. ${'x'.repeat(2_900)}`).join('\n\n');
    const address = await conversation();
    const { messageIds } = await reporter.result(address, view(email), { existingMessageIds: [], maybePosted: false });
    // The email, then (too long for a link) its .eml draft in a message of its own (issue 22).
    const [eml, ...others] = replies(address)
      .filter((m) => m.files)
      .map((m) => m.files![0]!.name);
    expect([eml, others]).toEqual(['email-to-dr-ada-lovelace.eml', []]);
    const posted = replies(address).filter((m) => !m.files);
    expect(messageIds).toHaveLength(2);
    expect(posted.map((m) => m.ts)).toEqual(messageIds);
    expect(posted.map((m) => m.metadata?.event_payload)).toEqual(
      [0, 1].map((part) => ({ generation_id: address.generationId, part, parts: 2 })),
    );
    expect(posted[0]?.visible).not.toContain('Regenerate');
    expect(posted[1]?.visible).toContain('Regenerate');
    expect(posted.flatMap((m) => plainSections(m.blocks)).join('\n\n')).toBe(email);
  });

  it('with maybePosted, finds its earlier post with one conversations.replies call and posts nothing', async () => {
    const address = await conversation();
    const first = await reporter.result(address, view('Dear Ada,\n\nFirst try.'), {
      existingMessageIds: [],
      maybePosted: false,
    });
    // A regeneration in the same thread, whose earlier attempt also got its post out before dying.
    const v2Progress = fake.state.post({
      channel: CHANNEL,
      user: fake.state.bot.userId,
      botId: fake.state.bot.botId,
      text: 'v2',
      threadTs: address.threadId!,
    });
    const v2: ThreadAddress = { ...address, generationId: randomUUID(), progressMessageId: v2Progress.ts };
    const v2First = await reporter.result(v2, view('Dear Ada,\n\nVersion two.', { version: 2 }), {
      existingMessageIds: [],
      maybePosted: false,
    });

    const postsBefore = fake.callsTo('chat.postMessage').length;
    const readsBefore = fake.callsTo('conversations.replies').length;
    const again = await reporter.result(v2, view('Dear Ada,\n\nVersion two, retried.', { version: 2 }), {
      existingMessageIds: [],
      maybePosted: true,
    });
    expect(again.messageIds).toEqual(v2First.messageIds);
    const reads = fake.callsTo('conversations.replies').slice(readsBefore);
    expect(reads).toHaveLength(1);
    expect(reads[0]?.args).toMatchObject({
      channel: CHANNEL,
      ts: address.threadId,
      include_all_metadata: 'true',
      oldest: v2Progress.ts,
    });
    expect(fake.callsTo('chat.postMessage')).toHaveLength(postsBefore);
    expect(replies(address).map((m) => m.ts)).toEqual([...first.messageIds, v2Progress.ts, ...v2First.messageIds]);
    expect(replies(address).at(-1)?.text).toContain('Version two, retried.');
  });

  it('with maybePosted in a batch thread longer than a page, pages on until it finds its post', async () => {
    // A batch: the table is the thread's parent; its rows have no progress message of their own.
    const table = await conversation();
    const row = (): ThreadAddress => ({ ...table, generationId: randomUUID(), progressMessageId: null });
    const others = Array.from({ length: 20 }, row);
    const mine = row();
    // 18 other rows' emails, then this row's (the attempt that died before saving its id), then 2 more.
    for (const other of others.slice(0, 18))
      await reporter.result(other, view('Dear Someone,\n\nHello.'), { existingMessageIds: [], maybePosted: false });
    const first = await reporter.result(mine, view('Dear Ada,\n\nFirst try.'), {
      existingMessageIds: [],
      maybePosted: false,
    });
    for (const other of others.slice(18))
      await reporter.result(other, view('Dear Someone,\n\nHello.'), { existingMessageIds: [], maybePosted: false });
    expect(replies(table)).toHaveLength(21);

    const postsBefore = fake.callsTo('chat.postMessage').length;
    const readsBefore = fake.callsTo('conversations.replies').length;
    const again = await reporter.result(mine, view('Dear Ada,\n\nRetried.'), {
      existingMessageIds: [],
      maybePosted: true,
    });
    expect(again.messageIds).toEqual(first.messageIds);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(postsBefore);
    const reads = fake.callsTo('conversations.replies').slice(readsBefore);
    // The parent and 21 replies at 15 a page: found on the second page, and no further read.
    expect(reads).toHaveLength(2);
    expect(reads.map((r) => r.args.limit)).toEqual(['15', '15']);
    expect(reads[1]?.args.cursor).toBeTruthy();
    expect(replies(table).filter((m) => m.text.includes('Dear Ada'))).toHaveLength(1);
    expect(replies(table).find((m) => m.ts === first.messageIds[0])?.text).toContain('Retried.');

    // Nothing to find: reads to the thread's end (2 pages), then posts once.
    const lost = row();
    const readsThen = fake.callsTo('conversations.replies').length;
    const posted = await reporter.result(lost, view('Dear Lost,\n\nHello.'), {
      existingMessageIds: [],
      maybePosted: true,
    });
    expect(fake.callsTo('conversations.replies').slice(readsThen)).toHaveLength(2);
    expect(replies(table).filter((m) => posted.messageIds.includes(m.ts))).toHaveLength(1);
    expect(replies(table)).toHaveLength(22);
  });

  it('with maybePosted and a posting mark, reads the thread from the mark (less a margin) on', async () => {
    const table = await conversation();
    const mine: ThreadAddress = { ...table, generationId: randomUUID(), progressMessageId: null };
    const since = new Date();
    const first = await reporter.result(mine, view('Dear Ada,\n\nFirst try.'), {
      existingMessageIds: [],
      maybePosted: false,
    });
    const readsBefore = fake.callsTo('conversations.replies').length;
    const again = await reporter.result(mine, view('Dear Ada,\n\nRetried.'), {
      existingMessageIds: [],
      maybePosted: true,
      postingSince: since,
    });
    expect(again.messageIds).toEqual(first.messageIds);
    const [read] = fake.callsTo('conversations.replies').slice(readsBefore);
    const oldest = Number(read?.args.oldest);
    expect(oldest).toBeLessThan(since.getTime() / 1000);
    expect(oldest).toBeGreaterThan(since.getTime() / 1000 - 120);
  });

  it('with maybePosted and nothing to find, posts once', async () => {
    const address = await conversation();
    const { messageIds } = await reporter.result(address, view('Dear Ada,\n\nHello.'), {
      existingMessageIds: [],
      maybePosted: true,
    });
    expect(replies(address).map((m) => m.ts)).toEqual(messageIds);
  });

  it('edits recorded messages instead of posting, and replaces one that was deleted', async () => {
    const address = await conversation();
    const first = await reporter.result(address, view('Dear Ada,\n\nFirst version.'), {
      existingMessageIds: [],
      maybePosted: false,
    });
    const postsBefore = fake.callsTo('chat.postMessage').length;
    const edited = await reporter.result(address, view('Dear Ada,\n\nSecond version.'), {
      existingMessageIds: first.messageIds,
      maybePosted: false,
    });
    expect(edited.messageIds).toEqual(first.messageIds);
    expect(fake.callsTo('chat.postMessage')).toHaveLength(postsBefore);
    expect(plainSections(replies(address)[0]?.blocks)).toEqual(['Dear Ada,\n\nSecond version.']);

    await client.chat.delete({ channel: CHANNEL, ts: first.messageIds[0]! });
    const replaced = await reporter.result(address, view('Dear Ada,\n\nThird version.'), {
      existingMessageIds: first.messageIds,
      maybePosted: false,
    });
    expect(replaced.messageIds[0]).not.toBe(first.messageIds[0]);
    expect(replies(address).map((m) => plainSections(m.blocks)[0])).toEqual(['Dear Ada,\n\nThird version.']);
  });

  it('waits out a 429 on chat.update, and a lost edit never loses the final state', async () => {
    const address = await conversation();
    const coalesced = coalesceProgress(reporter, { logger: silentLogger(), intervalMs: 0 });
    const progress = initialProgress('Dr. Ada Lovelace', 1);
    const mine = (c: { args: Record<string, unknown> }) => c.args.ts === address.progressMessageId;

    fake.inject({ method: 'chat.update', retryAfter: 0 });
    await coalesced.progress(address, { ...progress, status: 'running' });
    await coalesced.flush(address);
    expect(
      fake
        .callsTo('chat.update')
        .filter(mine)
        .map((c) => c.status),
    ).toEqual([429, 200]);

    // Rate limited past the client's retries: that edit is dropped (logged), the next one lands.
    fake.inject({ method: 'chat.update', retryAfter: 0, times: 2 });
    await coalesced.progress(address, {
      ...progress,
      status: 'running',
      steps: { ...progress.steps, parse: { state: 'done', seconds: 1, warnings: [] } },
    });
    await coalesced.progress(address, { ...progress, status: 'succeeded' });
    await coalesced.flush(address);
    expect(
      fake
        .callsTo('chat.update')
        .filter(mine)
        .map((c) => c.status),
    ).toEqual([429, 200, 429, 429, 200]);
    expect(fake.messagesIn(CHANNEL, address.threadId!)[0]?.text).toBe('Email to Dr. Ada Lovelace is ready');
  });

  it('says a failure in the thread in plain words', async () => {
    const address = await conversation();
    await reporter.failed(address, { message: 'Exa is not answering', retryable: true, tries: 4 });
    expect(replies(address).map((m) => m.text)).toEqual([
      '❌ Exa is not answering — failed after 4 tries. Try again later with 🔁 or /scribe.',
    ]);
  });

  it('turns "not in channel" into a permanent error that says what to do', async () => {
    fake.setMember('C0OUTSIDE', true);
    const address = await conversation('C0OUTSIDE');
    fake.setMember('C0OUTSIDE', false);
    const err: unknown = await reporter
      .result(address, view('Dear Ada,\n\nHello.'), { existingMessageIds: [], maybePosted: false })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentError);
    expect(err).toMatchObject({ code: ErrorCode.NotAllowed, service: 'Slack' });
    expect((err as Error).message).toContain('/invite');
  });
});
